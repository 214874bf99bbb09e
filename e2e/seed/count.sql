SELECT COUNT(*) AS persons FROM AdventureWorks.dbo.Person
GO
