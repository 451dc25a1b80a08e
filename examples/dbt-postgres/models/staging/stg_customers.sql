-- The snapshot's customers, as both lanes read them (each lane's database
-- is a copy of the template that holds them).
select
    id as customer_id,
    name,
    country
from {{ source('raw', 'customers') }}
