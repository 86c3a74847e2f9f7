-- Family C, performance (return to employment): cells of C1 and C2 from member-level rows.
{%- set ventilations = ['operateur', 'parcours', 'modalite', 'allocation', 'groupe_experimentation'] %}

with taux_retour_emploi_6m as (
    {{ agreger_indicateur(
        ref('int_membres__c1_taux_retour_emploi_6m'),
        'taux_retour_emploi_6m',
        'taux',
        ventilations
    ) }}
),

taux_retour_emploi_durable_6m as (
    {{ agreger_indicateur(
        ref('int_membres__c2_taux_retour_emploi_durable_6m'),
        'taux_retour_emploi_durable_6m',
        'taux',
        ventilations
    ) }}
)

select * from taux_retour_emploi_6m
union all
select * from taux_retour_emploi_durable_6m
