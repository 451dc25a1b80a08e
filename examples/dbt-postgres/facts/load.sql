-- The snapshot as a PostgreSQL template database: the shop's raw tables.
--   createdb shop_facts && (cd facts && psql -d shop_facts -f load.sql)
CREATE SCHEMA raw;
CREATE TABLE raw.customers (id int PRIMARY KEY, name text, country text);
CREATE TABLE raw.orders (
    id int PRIMARY KEY,
    customer_id int,
    amount numeric(10, 2),
    status text,
    ordered_at date
);
\copy raw.customers FROM 'customers.csv' CSV HEADER
\copy raw.orders FROM 'orders.csv' CSV HEADER
