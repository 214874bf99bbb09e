package engine

import (
	"fmt"
	"slices"
	"strings"

	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// GRANT / REVOKE / DENY on the mirroring endpoint, and the check the
// endpoint makes of a connecting peer's login.

// endpointPermissions are the permissions an endpoint has (SPEC §2.5).
var endpointPermissions = []string{"ALTER", "CONNECT", "CONTROL", "TAKE OWNERSHIP", "VIEW DEFINITION"}

func (b *binder) grant(x *parser.Grant) (func(*securityCatalog) error, error) {
	if x.Class != "ENDPOINT" {
		return nil, b.errAt(x, sqlerr.New(40517, x.Verb+" ON "+x.Class+"::"))
	}
	for _, p := range x.Permissions {
		if !slices.Contains(endpointPermissions, p) {
			return nil, b.errAt(x, sqlerr.New(40517, "permission "+p+" on an endpoint"))
		}
	}
	in := b.s.inst
	grantor := b.s.loginName()
	return func(c *securityCatalog) error {
		ep := in.Endpoint()
		if ep == nil || !strings.EqualFold(ep.Name, x.Object) {
			return sqlerr.New(15151, "find", "endpoint", x.Object)
		}
		var grantees []int
		for _, name := range x.Principals {
			if strings.EqualFold(name, "public") {
				grantees = append(grantees, publicID)
				continue
			}
			l := c.login(name)
			if l == nil {
				return sqlerr.New(15151, "find", "login", name)
			}
			grantees = append(grantees, l.ID)
		}
		from := saID
		if l := c.login(grantor); l != nil {
			from = l.ID
		}
		for _, id := range grantees {
			for _, p := range x.Permissions {
				c.Grants = applyGrant(c.Grants, x, p, id, from)
			}
		}
		return nil
	}, nil
}

// applyGrant records one permission for one grantee: GRANT and DENY
// replace what the grantee had for it; REVOKE removes it (REVOKE GRANT
// OPTION FOR only takes away the right to grant it on).
func applyGrant(grants []*EndpointGrant, x *parser.Grant, perm string, grantee, grantor int) []*EndpointGrant {
	i := slices.IndexFunc(grants, func(g *EndpointGrant) bool { return g.Grantee == grantee && g.Permission == perm })
	state := map[string]string{"GRANT": "G", "DENY": "D"}[x.Verb]
	if x.Verb == "GRANT" && x.GrantOption {
		state = "W"
	}
	switch {
	case x.Verb == "REVOKE" && i >= 0 && x.GrantOption:
		if grants[i].State == "W" {
			grants[i].State = "G"
		}
	case x.Verb == "REVOKE" && i >= 0:
		grants = slices.Delete(grants, i, i+1)
	case x.Verb == "REVOKE":
	case i >= 0:
		grants[i].State, grants[i].Grantor = state, grantor
	default:
		grants = append(grants, &EndpointGrant{Permission: perm, Grantee: grantee, Grantor: grantor, State: state})
	}
	return grants
}

// AuthorizeEndpointLogin decides whether a peer authenticated as login may
// connect to the mirroring endpoint: an enabled login that is a sysadmin,
// owns the endpoint, or holds CONNECT (or CONTROL) on it, directly or
// through public, and is not denied it. The error is the refusal's reason.
func (in *Instance) AuthorizeEndpointLogin(login string) error {
	c := in.security()
	l := c.login(login)
	if l == nil {
		return fmt.Errorf("login '%s' does not exist", login)
	}
	if l.Disabled {
		return fmt.Errorf("login '%s' is disabled", l.Name)
	}
	ep := in.Endpoint()
	if l.Sysadmin || (ep != nil && strings.EqualFold(ep.Owner, l.Name)) {
		return nil
	}
	granted := false
	for _, g := range c.Grants {
		if (g.Grantee != l.ID && g.Grantee != publicID) || (g.Permission != "CONNECT" && g.Permission != "CONTROL") {
			continue
		}
		if g.State == "D" {
			return fmt.Errorf("login '%s' is denied CONNECT on the endpoint", l.Name)
		}
		granted = true
	}
	if !granted {
		return fmt.Errorf("login '%s' has no CONNECT permission on the endpoint", l.Name)
	}
	return nil
}
