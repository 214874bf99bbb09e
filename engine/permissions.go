package engine

import (
	"slices"
	"strings"

	"mirrordb/engine/security"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// GRANT / REVOKE / DENY on the mirroring endpoint, and the check the
// endpoint makes of a connecting peer's login.

func (b *binder) grant(x *parser.Grant) (func(*security.Catalog) error, error) {
	if x.Class != "ENDPOINT" {
		return nil, b.errAt(x, sqlerr.New(40517, x.Verb+" ON "+x.Class+"::"))
	}
	for _, p := range x.Permissions {
		if !slices.Contains(security.EndpointPermissions, p) {
			return nil, b.errAt(x, sqlerr.New(40517, "permission "+p+" on an endpoint"))
		}
	}
	in := b.s.inst
	grantor := b.s.loginName()
	return func(c *security.Catalog) error {
		ep := in.Endpoint()
		if ep == nil || !strings.EqualFold(ep.Name, x.Object) {
			return sqlerr.New(15151, "find", "endpoint", x.Object)
		}
		var grantees []int
		for _, name := range x.Principals {
			if strings.EqualFold(name, "public") {
				grantees = append(grantees, security.PublicID)
				continue
			}
			l := c.Login(name)
			if l == nil {
				return sqlerr.New(15151, "find", "login", name)
			}
			grantees = append(grantees, l.ID)
		}
		from := security.SAID
		if l := c.Login(grantor); l != nil {
			from = l.ID
		}
		for _, id := range grantees {
			for _, p := range x.Permissions {
				c.Grants = security.ApplyGrant(c.Grants, x.Verb, x.GrantOption, p, id, from)
			}
		}
		return nil
	}, nil
}

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
