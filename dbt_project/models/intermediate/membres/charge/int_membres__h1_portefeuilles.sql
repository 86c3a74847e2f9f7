-- H1 taille_portefeuille_moyenne, member level: one row per (month, accompaniment in progress on
-- the last day L as B10, with an id_conseiller). Attributed to the accompaniment's own
-- code_agence (where the adviser works: indicators-rpe.md), not to the episode's: an agency
-- absent from the referential counts at AGENCE and NATIONAL only. quantite 1 (the numerator
-- counts accompaniments), cle_denominateur the adviser (counted distinct at each level).
with en_cours as (
    select periode, provisoire, cle, modalite
    from {{ ref('int_membres__b10_accompagnements_en_cours') }}
),

accompagnements as (
    select id_accompagnement, code_agence, id_conseiller
    from {{ ref('int_accompagnements__rattaches') }}
    where id_conseiller is not null and id_conseiller <> ''
),

agences as (
    select code_agence, code_bassin, code_departement, code_region
    from {{ ref('int_territoires__agences') }}
)

select
    en_cours.periode,
    en_cours.provisoire,
    agences.code_region,
    agences.code_departement,
    agences.code_bassin,
    accompagnements.code_agence,
    en_cours.cle,
    accompagnements.id_conseiller as cle_denominateur,
    cast(1 as double) as quantite,
    en_cours.modalite
from en_cours
inner join accompagnements on accompagnements.id_accompagnement = en_cours.cle
left join agences on agences.code_agence = accompagnements.code_agence
