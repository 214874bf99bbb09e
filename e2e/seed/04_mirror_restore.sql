-- Step 4 (mirror): restore the database
RESTORE DATABASE AdventureWorks
    FROM DISK = :'full_backup'
    WITH NORECOVERY
GO
