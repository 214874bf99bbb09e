-- Step 6 (mirror): apply the log backup
RESTORE LOG AdventureWorks
    FROM DISK = :'log_backup'
    WITH FILE=1, NORECOVERY
GO
