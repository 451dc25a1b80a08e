-- The snapshot's customers, as both lanes read them (SWIMLANE_SNAPSHOT).
select
    id as customer_id,
    name,
    country
from read_csv_auto('{{ env_var("SWIMLANE_SNAPSHOT", "facts") }}/customers.csv', header = true)
