package security

import (
	"fmt"
	"slices"
	"strings"
)

// EndpointPermissions are the permissions an endpoint has.
var EndpointPermissions = []string{"ALTER", "CONNECT", "CONTROL", "TAKE OWNERSHIP", "VIEW DEFINITION"}

// PermissionCode is sys.server_permissions.type for a permission.
func PermissionCode(p string) string {
	return map[string]string{"ALTER": "AL", "CONNECT": "CO", "CONTROL": "CL", "TAKE OWNERSHIP": "TO",
		"VIEW DEFINITION": "VW"}[p]
}

// ApplyGrant records one permission for one grantee: GRANT and DENY
// (verb) replace what the grantee had for it; REVOKE removes it (REVOKE
// GRANT OPTION FOR, grantOption, only takes away the right to grant it on).
func ApplyGrant(grants []*EndpointGrant, verb string, grantOption bool, perm string, grantee, grantor int) []*EndpointGrant {
	i := slices.IndexFunc(grants, func(g *EndpointGrant) bool { return g.Grantee == grantee && g.Permission == perm })
	state := map[string]string{"GRANT": "G", "DENY": "D"}[verb]
	if verb == "GRANT" && grantOption {
		state = "W"
	}
	switch {
	case verb == "REVOKE" && i >= 0 && grantOption:
		if grants[i].State == "W" {
			grants[i].State = "G"
		}
	case verb == "REVOKE" && i >= 0:
		grants = slices.Delete(grants, i, i+1)
	case verb == "REVOKE":
	case i >= 0:
		grants[i].State, grants[i].Grantor = state, grantor
	default:
		grants = append(grants, &EndpointGrant{Permission: perm, Grantee: grantee, Grantor: grantor, State: state})
	}
	return grants
}

// AuthorizeEndpoint decides whether a peer authenticated as login may
// connect to the mirroring endpoint owned by owner ("" when there is
// none): an enabled login that is a sysadmin, owns the endpoint, or holds
// CONNECT (or CONTROL) on it, directly or through public, and is not
// denied it. The error is the refusal's reason.
func (c *Catalog) AuthorizeEndpoint(login, owner string) error {
	l := c.Login(login)
	if l == nil {
		return fmt.Errorf("login '%s' does not exist", login)
	}
	if l.Disabled {
		return fmt.Errorf("login '%s' is disabled", l.Name)
	}
	if l.Sysadmin || (owner != "" && strings.EqualFold(owner, l.Name)) {
		return nil
	}
	granted := false
	for _, g := range c.Grants {
		if (g.Grantee != l.ID && g.Grantee != PublicID) || (g.Permission != "CONNECT" && g.Permission != "CONTROL") {
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
