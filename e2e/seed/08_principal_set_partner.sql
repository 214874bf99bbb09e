-- Step 8 (principal): set the mirror as the partner
USE master;
GO
ALTER DATABASE AdventureWorks
    SET PARTNER = :'mirror_address'
GO
