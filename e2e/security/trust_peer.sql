-- Let a peer in: its login, a user owning its certificate, CONNECT.
CREATE LOGIN :peer_login WITH PASSWORD = 'Peer!-Passw0rd-e2e';
CREATE USER :peer_user FOR LOGIN :peer_login;
CREATE CERTIFICATE :peer_cert AUTHORIZATION :peer_user FROM FILE = :'cert_file';
GRANT CONNECT ON ENDPOINT::Endpoint_Mirroring TO :peer_login;
