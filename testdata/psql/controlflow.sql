-- A deployment script as SQL Server users write them, run with psql -f.
-- psql sends the text up to each semicolon as one query, so a block
-- holds no semicolon; GO separates batches inside one query.
IF OBJECT_ID(N'dbo.orders', N'U') IS NULL
BEGIN
    PRINT 'creating orders'
    CREATE TABLE orders (id INT PRIMARY KEY, note VARCHAR(20))
END
GO
SET NOCOUNT ON
DECLARE @i INT = 1
WHILE @i <= 3
BEGIN
    INSERT INTO orders VALUES (@i, 'order ' + CAST(@i AS VARCHAR(5)))
    SET @i += 1
END
PRINT 'done';
SELECT id, note FROM orders ORDER BY id;
IF OBJECT_ID(N'dbo.orders', N'U') IS NULL PRINT 'creating again' ELSE PRINT 'orders exists';
DECLARE @x INT SET @x = 'abc';
PRINT 'after the error';
