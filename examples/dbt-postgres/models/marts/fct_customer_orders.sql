-- One row per customer: orders placed, revenue of completed orders, first
-- order. Customers without orders are kept (left join), with 0 orders.
select
    c.customer_id,
    c.country,
    count(o.order_id) as orders,
    coalesce(sum(case when o.status = 'completed' then o.amount end), 0) as revenue,
    min(o.ordered_at) as first_order
from {{ ref('stg_customers') }} as c
left join {{ ref('stg_orders') }} as o
    on o.customer_id = c.customer_id
group by c.customer_id, c.country
