package engine

// The PostgreSQL forms drivers and ORMs generate, bound onto mirrordb's
// T-SQL meanings (docs/ARCHITECTURE.md, "What drivers send"): x::type with
// PostgreSQL's type names, true and false, and RETURNING (as OUTPUT:
// bind.Binder.BindOutput).
