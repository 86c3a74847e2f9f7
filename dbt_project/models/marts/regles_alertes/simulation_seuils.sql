-- marts.simulation_seuils: what a seuil_alerte from 1 to 30 would do, per situation, over the
-- last 12 complete months (int_arrete__douze_mois_complets), from all the pair-months (those
-- under the threshold in force included). Means per month are over the months of the window
-- that are observed. faux_positifs_attendus: the alerts of each band times one minus the
-- precision of the examined generated alerts of the same situation and band in the window; null
-- when a band where the threshold raises alerts has no examined alert (unknown precision).
-- averees_conservees: null when no alert of the window was concluded AVEREE.
with fenetre as (
    select premier_mois, dernier_mois, nb_mois from {{ ref('int_arrete__douze_mois_complets') }}
),

seuils_en_vigueur as (
    select situation, seuil_alerte from {{ ref('seuils_alertes') }}
),

candidats as (
    select
        seuils_en_vigueur.situation,
        seuils_en_vigueur.seuil_alerte as seuil_en_vigueur,
        cast(rangs.generated_number as bigint) as seuil_alerte
    from seuils_en_vigueur
    cross join ({{ dbt.generate_series(30) }}) as rangs
),

paires as (
    select
        paires.situation,
        paires.nb_consultations,
        {{ tranche_consultations('paires.nb_consultations') }} as tranche_consultations
    from {{ ref('int_consultations__paires_mois') }} as paires
    cross join fenetre
    where paires.mois between fenetre.premier_mois and fenetre.dernier_mois
),

alertes as (
    select alertes.*
    from {{ ref('int_alertes_generees__conclusions') }} as alertes
    cross join fenetre
    where alertes.mois between fenetre.premier_mois and fenetre.dernier_mois
),

precisions_tranches as (
    select
        situation,
        tranche_consultations,
        cast(sum(case when est_averee then 1 else 0 end) as double) / cast(count(*) as double) as precision
    from alertes
    where est_examinee
    group by situation, tranche_consultations
),

alertes_par_tranche as (
    select
        candidats.situation,
        candidats.seuil_alerte,
        paires.tranche_consultations,
        count(*) as alertes
    from candidats
    inner join paires
        on paires.situation = candidats.situation
        and paires.nb_consultations >= candidats.seuil_alerte
    group by candidats.situation, candidats.seuil_alerte, paires.tranche_consultations
),

simulees as (
    select
        alertes_par_tranche.situation,
        alertes_par_tranche.seuil_alerte,
        sum(alertes_par_tranche.alertes) as alertes,
        sum(alertes_par_tranche.alertes * (1 - precisions_tranches.precision)) as faux_positifs,
        sum(case when precisions_tranches.precision is null then 1 else 0 end) as tranches_sans_precision
    from alertes_par_tranche
    left join precisions_tranches
        on precisions_tranches.situation = alertes_par_tranche.situation
        and precisions_tranches.tranche_consultations = alertes_par_tranche.tranche_consultations
    group by alertes_par_tranche.situation, alertes_par_tranche.seuil_alerte
),

averees as (
    select
        candidats.situation,
        candidats.seuil_alerte,
        count(alertes.id_alerte_generee) as averees,
        sum(case when alertes.nb_consultations >= candidats.seuil_alerte then 1 else 0 end) as averees_conservees
    from candidats
    inner join alertes
        on alertes.situation = candidats.situation
        and alertes.est_averee
    group by candidats.situation, candidats.seuil_alerte
)

select
    cast(candidats.situation as {{ dbt.type_string() }}) as situation,
    cast(candidats.seuil_alerte as bigint) as seuil_alerte,
    candidats.seuil_alerte = candidats.seuil_en_vigueur as est_seuil_en_vigueur,
    cast(fenetre.premier_mois as date) as premier_mois,
    cast(fenetre.dernier_mois as date) as dernier_mois,
    cast(fenetre.nb_mois as bigint) as nb_mois,
    cast(case
        when fenetre.nb_mois > 0 then cast(coalesce(simulees.alertes, 0) as double) / fenetre.nb_mois
    end as double) as alertes_par_mois,
    cast(case
        when fenetre.nb_mois = 0 then null
        when simulees.alertes is null then 0
        when simulees.tranches_sans_precision = 0 then simulees.faux_positifs / fenetre.nb_mois
    end as double) as faux_positifs_attendus,
    cast(case
        when averees.averees > 0 then cast(averees.averees_conservees as double) / cast(averees.averees as double)
    end as double) as averees_conservees
from candidats
cross join fenetre
left join simulees
    on simulees.situation = candidats.situation
    and simulees.seuil_alerte = candidats.seuil_alerte
left join averees
    on averees.situation = candidats.situation
    and averees.seuil_alerte = candidats.seuil_alerte
