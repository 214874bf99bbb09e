-- Step 7 (mirror): set the principal as the partner
USE master;
GO
ALTER DATABASE AdventureWorks
    SET PARTNER =
    :'principal_address'
GO
