-- Manual failover, from master on the principal.
USE master;
GO
ALTER DATABASE AdventureWorks SET PARTNER FAILOVER
GO
