select
    id as order_id,
    customer_id,
    amount,
    status,
    ordered_at
from read_csv_auto('{{ env_var("SWIMLANE_SNAPSHOT", "facts") }}/orders.csv', header = true)
