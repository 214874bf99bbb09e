SELECT m.mirroring_role_desc, m.mirroring_state_desc, m.mirroring_safety_level_desc
FROM sys.database_mirroring m JOIN sys.databases d ON d.database_id = m.database_id
WHERE d.name = N'AdventureWorks'
GO
