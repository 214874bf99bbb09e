package engine

// The check the mirroring endpoint makes of a connecting peer's login
// (GRANT / REVOKE / DENY are package security's statements).

// AuthorizeEndpointLogin decides whether a peer authenticated as login may
// connect to the mirroring endpoint: an enabled login that is a sysadmin,
// owns the endpoint, or holds CONNECT (or CONTROL) on it, directly or
// through public, and is not denied it. The error is the refusal's reason.
func (in *Instance) AuthorizeEndpointLogin(login string) error {
	owner := ""
	if ep := in.Endpoint(); ep != nil {
		owner = ep.Owner
	}
	return in.security().AuthorizeEndpoint(login, owner)
}
