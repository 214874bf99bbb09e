-- The existing database the seed mirrors (the seed assumes it exists).
CREATE DATABASE AdventureWorks
GO
USE AdventureWorks
GO
CREATE TABLE dbo.Person (BusinessEntityID INT PRIMARY KEY, FirstName NVARCHAR(50) NOT NULL)
INSERT INTO dbo.Person VALUES (1, N'Ken'), (2, N'Terri'), (3, N'Roberto')
GO
ALTER DATABASE AdventureWorks SET RECOVERY FULL
GO
