-- Step 5 (principal): back up the log
BACKUP LOG AdventureWorks
    TO DISK = :'log_backup'
GO
