-- Step 3 (principal): back up the database
BACKUP DATABASE AdventureWorks
    TO DISK = :'full_backup'
    WITH FORMAT
GO
