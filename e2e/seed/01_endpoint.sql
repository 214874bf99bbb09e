-- Steps 1 and 2 (on each partner): create an endpoint for this instance
CREATE ENDPOINT Endpoint_Mirroring
    STATE=STARTED
    AS TCP (LISTENER_PORT = :port)
    FOR DATABASE_MIRRORING (ROLE=ALL)
GO
--Partners under same domain user; login already exists in master.
SELECT name, role_desc, state_desc FROM sys.database_mirroring_endpoints
GO
