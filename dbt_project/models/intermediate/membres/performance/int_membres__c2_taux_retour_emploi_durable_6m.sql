-- C2 taux_retour_emploi_durable_6m, member level: the common cohort, numerator = an emploi
-- durable started within 6 months of the first accompaniment (see int_membres__c_retour_emploi_6m).
{{ config(materialized='view') }}

select
    periode, provisoire, code_region, code_departement, code_bassin, code_agence, cle,
    retour_emploi_durable as est_numerateur,
    operateur, parcours, modalite, allocation, groupe_experimentation
from {{ ref('int_membres__c_retour_emploi_6m') }}
