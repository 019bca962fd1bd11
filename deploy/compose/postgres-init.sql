-- compose.yaml's PostgreSQL holds two databases: FerretDB's (the MongoDB-wire store) and the accounts
-- database of omega-ts (OMEGA_SQL_URL). The official image creates POSTGRES_DB (omega) itself.
CREATE DATABASE ferretdb OWNER omega;
