-- The README's walk-through: a T-SQL script as a DBA writes it (GO batch
-- separators, no semicolons), sent by `psql -f`, which passes the whole
-- file to the server as one query.
CREATE DATABASE Shop
GO
USE Shop
GO
CREATE TABLE dbo.Orders (
    OrderId  INT IDENTITY(1,1) PRIMARY KEY,
    Customer NVARCHAR(50) NOT NULL,
    Amount   DECIMAL(10,2) NOT NULL,
    PlacedAt DATETIME2(0) DEFAULT '2026-11-22T10:00:00'
)
GO
INSERT INTO dbo.Orders (Customer, Amount) VALUES (N'Alice', 120.50), (N'Bob', 75.00)
INSERT INTO dbo.Orders (Customer, Amount) VALUES (N'Alice', 19.99)
GO
SELECT Customer, COUNT(*) AS Orders, SUM(Amount) AS Total
FROM dbo.Orders
GROUP BY Customer
ORDER BY Customer
GO
BEGIN TRAN
UPDATE dbo.Orders SET Amount = Amount * 0.9 WHERE Customer = N'Alice'
SELECT @@TRANCOUNT AS OpenTransactions
COMMIT
GO
SELECT OrderId, Customer, Amount, PlacedAt FROM dbo.Orders ORDER BY OrderId
GO
SELECT name, state_desc, recovery_model_desc FROM sys.databases ORDER BY database_id
PRINT 'Orders loaded into ' + DB_NAME()
GO
-- Errors carry SQL Server's number, level and state; the script stops at
-- the first one, as sqlcmd -b does.
INSERT INTO dbo.Orders (Customer, Amount) VALUES (NULL, 1)
GO
SELECT 'never reached'
