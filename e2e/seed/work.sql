-- Writes on the principal while mirrored.
USE AdventureWorks
GO
INSERT INTO dbo.Person VALUES (:id, N'Mirrored')
GO
