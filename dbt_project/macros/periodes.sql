{#- Periods of several months, written once: calendar quarters ('trimestre') and rolling
    12-month totals ('cumul_12_mois', « cumul 12 mois glissants à fin M »). A period is named by
    the first day of its LAST month (end-anchored: the cumul_12_mois at 2026-06-01 is July 2025
    to June 2026; the trimestre at 2026-09-01 is Q3 2026), and exists only when all its months
    are months of the calendar (int_mois__calendrier: contiguous, from the first month with data
    to the month of the date d'arrêté): the first incomplete quarter has no cell, a 12-month
    window starts once 12 months exist. Monthly cells are type_periode 'mois'.
    A multi-month cell is provisoire when any month of its period is, for its indicator: the
    month is not over at the date d'arrêté (calendar: mois_provisoire), or the indicator's
    window for that month is not (its monthly cells, or members, that month say so; a month's
    window depends only on the indicator and the month). -#}


{#- One row per (type_periode, periode, mois) of every multi-month period of `calendrier`
    (int_mois__calendrier: periode, first day of each month, and mois_provisoire), mois running
    over its months, with that month's mois_provisoire. -#}
{% macro periodes_multi_mois(calendrier) -%}
    select
        periodes.type_periode,
        periodes.periode,
        mois_calendrier.periode as mois,
        mois_calendrier.mois_provisoire
    from (
        select
            cast('trimestre' as {{ dbt.type_string() }}) as type_periode,
            3 as nombre_mois,
            fins.periode
        from {{ calendrier }} as fins
        where extract(month from fins.periode) in (3, 6, 9, 12)
        union all
        select
            cast('cumul_12_mois' as {{ dbt.type_string() }}) as type_periode,
            12 as nombre_mois,
            fins.periode
        from {{ calendrier }} as fins
    ) as periodes
    -- complete periods only: the calendar's months are contiguous, so the first month suffices
    inner join {{ calendrier }} as premiers_mois
        on premiers_mois.periode = {{ ajouter_mois_borne('periodes.periode', '1 - periodes.nombre_mois') }}
    inner join ({{ dbt.generate_series(12) }}) as decalages
        on decalages.generated_number <= periodes.nombre_mois
    inner join {{ calendrier }} as mois_calendrier
        on mois_calendrier.periode = {{ ajouter_mois_borne('periodes.periode', '1 - decalages.generated_number') }}
{%- endmacro %}


{#- Multi-month cells summed from monthly cells. `cellules`: monthly cells in the columns of
    marts.indicateurs (type_periode 'mois'), `periodes`: the rows of periodes_multi_mois; the
    cells come out in the columns of marts.indicateurs. For
    each period and each (indicateur, niveau, territoire, dimension, modalite) that has a
    monthly cell in at least one of its months:
      nombre: numerateur = valeur = the sum of the monthly valeur; denominateur null;
      taux, ratio: numerateur and denominateur = the sums of the monthly ones, valeur = their
              ratio; no cell when the summed denominator is not above 0 (a ratio whose
              denominator counts distinct keys -- H1's advisers -- is the ratio of a stock:
              never passed here);
      provisoire: true when any month of the period is provisoire for the indicator (see
              above: per the calendar, or per any monthly cell of the indicator that month).
    Only 'nombre', 'taux' and 'ratio' cells are summed: a median over several months is computed on the
    pooled members by agreger_indicateur (argument calendrier). Which indicators get such cells
    (not the stocks) is the caller's choice, by the cells it passes. -#}
{% macro cumuler_periodes(cellules, periodes) -%}
    select
        sommes.indicateur,
        sommes.periode,
        sommes.type_periode,
        sommes.niveau,
        sommes.territoire,
        sommes.dimension,
        sommes.modalite,
        case when sommes.unite = 'nombre' then sommes.somme_valeurs else sommes.somme_numerateurs end as numerateur,
        case when sommes.unite in ('taux', 'ratio') then sommes.somme_denominateurs end as denominateur,
        case
            when sommes.unite = 'nombre' then sommes.somme_valeurs
            when sommes.somme_denominateurs > 0 then sommes.somme_numerateurs / sommes.somme_denominateurs
        end as valeur,
        sommes.unite,
        provisoires.provisoire
    from (
        select
            cellules.indicateur,
            periodes.type_periode,
            periodes.periode,
            cellules.niveau,
            cellules.territoire,
            cellules.dimension,
            cellules.modalite,
            cellules.unite,
            sum(cellules.valeur) as somme_valeurs,
            sum(cellules.numerateur) as somme_numerateurs,
            sum(cellules.denominateur) as somme_denominateurs
        from {{ cellules }} as cellules
        inner join {{ periodes }} as periodes
            on periodes.mois = cellules.periode
        where cellules.unite in ('nombre', 'taux', 'ratio')
        group by
            cellules.indicateur, periodes.type_periode, periodes.periode, cellules.niveau,
            cellules.territoire, cellules.dimension, cellules.modalite, cellules.unite
    ) as sommes
    inner join (
        -- per indicator and period: is any of its months provisional?
        select
            indicateurs.indicateur,
            periodes.type_periode,
            periodes.periode,
            max(case
                when periodes.mois_provisoire then 1
                when mois_indicateurs.provisoire = 1 then 1
                else 0
            end) = 1 as provisoire
        from (select distinct indicateur from {{ cellules }}) as indicateurs
        cross join {{ periodes }} as periodes
        left join (
            select indicateur, periode, max(case when provisoire then 1 else 0 end) as provisoire
            from {{ cellules }}
            group by indicateur, periode
        ) as mois_indicateurs
            on mois_indicateurs.indicateur = indicateurs.indicateur
            and mois_indicateurs.periode = periodes.mois
        group by indicateurs.indicateur, periodes.type_periode, periodes.periode
    ) as provisoires
        on provisoires.indicateur = sommes.indicateur
        and provisoires.type_periode = sommes.type_periode
        and provisoires.periode = sommes.periode
    where sommes.unite = 'nombre' or sommes.somme_denominateurs > 0
{%- endmacro %}
