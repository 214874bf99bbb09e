-- An instance's own identity: master key, certificate, endpoint, and the
-- public part of its certificate for the others (README "Security").
CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'Mk!-Passw0rd-e2e';
CREATE CERTIFICATE :name_cert WITH SUBJECT = :'subject', EXPIRY_DATE = '2030-12-31';
CREATE ENDPOINT Endpoint_Mirroring STATE = STARTED
    AS TCP (LISTENER_PORT = :port)
    FOR DATABASE_MIRRORING (AUTHENTICATION = CERTIFICATE :name_cert, ENCRYPTION = REQUIRED ALGORITHM AES, ROLE = :role);
BACKUP CERTIFICATE :name_cert TO FILE = :'cert_file';
