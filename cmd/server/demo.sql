-- The set-up `server --demo` runs: the seed document's script (SPEC §4) for a
-- principal PARTNERHOST1, a mirror PARTNERHOST5 and a witness WITNESSHOST4,
-- in sqlcmd mode. The demo runs it with mirrordb sqlcmd as `sqlcmd -b` would:
-- each batch (up to GO) runs on the instance named by the :CONNECT before
-- it, and the scripting variables are the demo's endpoint ports, server
-- network addresses and backup file paths. The demo prints every batch as it
-- runs and stops at the first error.

-- Step 0 (principal): the database to mirror, in the FULL recovery model
:CONNECT PARTNERHOST1
CREATE DATABASE AdventureWorks
GO
USE AdventureWorks
CREATE TABLE dbo.Person (BusinessEntityID INT PRIMARY KEY, FirstName NVARCHAR(50) NOT NULL)
INSERT INTO dbo.Person VALUES (1, N'Ken'), (2, N'Terri'), (3, N'Roberto')
GO
ALTER DATABASE AdventureWorks SET RECOVERY FULL
GO

-- Steps 1 and 2 (each instance): a database mirroring endpoint
:CONNECT PARTNERHOST1
CREATE ENDPOINT Endpoint_Mirroring STATE=STARTED
    AS TCP (LISTENER_PORT = $(PrincipalPort)) FOR DATABASE_MIRRORING (ROLE=ALL)
GO
:CONNECT PARTNERHOST5
CREATE ENDPOINT Endpoint_Mirroring STATE=STARTED
    AS TCP (LISTENER_PORT = $(MirrorPort)) FOR DATABASE_MIRRORING (ROLE=ALL)
GO
:CONNECT WITNESSHOST4
CREATE ENDPOINT Endpoint_Mirroring STATE=STARTED
    AS TCP (LISTENER_PORT = $(WitnessPort)) FOR DATABASE_MIRRORING (ROLE=WITNESS)
GO

-- Step 3 (principal): back up the database
:CONNECT PARTNERHOST1
BACKUP DATABASE AdventureWorks TO DISK = '$(FullBackup)' WITH FORMAT
GO

-- Step 4 (mirror): restore it, leaving it RESTORING
:CONNECT PARTNERHOST5
RESTORE DATABASE AdventureWorks FROM DISK = '$(FullBackup)' WITH NORECOVERY
GO

-- Step 5 (principal): back up the log
:CONNECT PARTNERHOST1
BACKUP LOG AdventureWorks TO DISK = '$(LogBackup)'
GO

-- Step 6 (mirror): apply the log backup, still RESTORING
:CONNECT PARTNERHOST5
RESTORE LOG AdventureWorks FROM DISK = '$(LogBackup)' WITH FILE=1, NORECOVERY
GO

-- Step 7 (mirror): the principal is its partner; it waits to be contacted
:CONNECT PARTNERHOST5
ALTER DATABASE AdventureWorks SET PARTNER = '$(PrincipalAddress)'
GO

-- Step 8 (principal): the mirror is its partner; the session starts
:CONNECT PARTNERHOST1
ALTER DATABASE AdventureWorks SET PARTNER = '$(MirrorAddress)'
GO

-- Step 9 (principal): the witness, for automatic failover
:CONNECT PARTNERHOST1
ALTER DATABASE AdventureWorks SET WITNESS = '$(WitnessAddress)'
GO
