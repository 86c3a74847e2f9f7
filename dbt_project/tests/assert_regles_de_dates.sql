-- The date macros against hand-computed values (a failing row = a wrong rule).
with cas as (
    select cast('2025-01-31' as date) as d, 1 as n, cast('2025-02-28' as date) as attendu_mois, cast('2025-01-31' as date) as attendu_fin_mois
    union all select cast('2024-01-31' as date), 1, cast('2024-02-29' as date), cast('2024-01-31' as date)
    union all select cast('2024-03-31' as date), 1, cast('2024-04-30' as date), cast('2024-03-31' as date)
    union all select cast('2024-08-31' as date), 6, cast('2025-02-28' as date), cast('2024-08-31' as date)
    union all select cast('2024-02-15' as date), 12, cast('2025-02-15' as date), cast('2024-02-29' as date)
    union all select cast('2024-12-01' as date), 1, cast('2025-01-01' as date), cast('2024-12-31' as date)
),

mois_entiers_cas as (
    select cast('2024-10-31' as date) as debut, cast('2024-11-30' as date) as fin, 1 as attendu
    union all select cast('2024-10-31' as date), cast('2024-11-29' as date), 0
    union all select cast('2025-01-31' as date), cast('2025-02-28' as date), 1
    union all select cast('2025-01-15' as date), cast('2025-04-14' as date), 2
    union all select cast('2025-01-15' as date), cast('2025-04-15' as date), 3
    union all select cast('2025-03-01' as date), cast('2025-03-31' as date), 0
),

ecarts as (
    select 'ajouter_mois_borne' as regle, cast(d as {{ dbt.type_string() }}) as cas_teste
    from cas
    where {{ ajouter_mois_borne('d', 'n') }} <> attendu_mois
    union all
    select 'dernier_jour_du_mois', cast(d as {{ dbt.type_string() }})
    from cas
    where {{ dernier_jour_du_mois('d') }} <> attendu_fin_mois
    union all
    select 'premier_jour_du_mois', cast(d as {{ dbt.type_string() }})
    from cas
    where {{ premier_jour_du_mois('d') }} <> {{ premier_jour_du_mois('attendu_fin_mois') }}
        or extract(day from {{ premier_jour_du_mois('d') }}) <> 1
    union all
    select 'mois_entiers', cast(debut as {{ dbt.type_string() }})
    from mois_entiers_cas
    where {{ mois_entiers('debut', 'fin') }} <> attendu
    union all
    select 'fin_fenetre_jours', 'fenetre 90 jours de janvier 2025'
    where {{ fin_fenetre_jours("cast('2025-01-01' as date)", 90) }} <> cast('2025-05-01' as date)
    union all
    select 'est_provisoire', 'fenetre finissant apres l''arrete'
    where not {{ est_provisoire("cast('2025-05-01' as date)", "cast('2025-04-30' as date)") }}
        or {{ est_provisoire("cast('2025-04-30' as date)", "cast('2025-04-30' as date)") }}
)

select * from ecarts
