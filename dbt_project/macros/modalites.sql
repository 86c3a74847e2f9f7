{#- Breakdown values shared by the families (spelling documented in models/marts/_marts.yml). -#}

{#- Age in a month = year of the month - annee_naissance. -#}
{% macro tranche_age(periode, annee_naissance) -%}
    case
        when {{ annee_naissance }} is null then 'non_renseigne'
        when extract(year from {{ periode }}) - {{ annee_naissance }} < 26 then 'moins_26'
        when extract(year from {{ periode }}) - {{ annee_naissance }} < 50 then '26_49'
        else '50_plus'
    end
{%- endmacro %}

{% macro tranche_anciennete(mois) -%}
    case
        when {{ mois }} is null then 'non_renseigne'
        when {{ mois }} < 3 then 'moins_3_mois'
        when {{ mois }} < 6 then '3_5_mois'
        when {{ mois }} < 12 then '6_11_mois'
        when {{ mois }} < 24 then '12_23_mois'
        else '24_mois_plus'
    end
{%- endmacro %}

{#- Booleans as modalities: oui / non. -#}
{% macro modalite_booleen(b) -%}
    case when {{ b }} then 'oui' when not {{ b }} then 'non' else 'non_renseigne' end
{%- endmacro %}

{#- A code as a modality; a missing code is 'non_renseigne'. -#}
{% macro modalite_code(c) -%}
    coalesce(cast({{ c }} as {{ dbt.type_string() }}), 'non_renseigne')
{%- endmacro %}

{#- Experiment group of an agency at a date: MSA agencies belong to their model from the
    experiment's start date; before it they are agencies of the same regions (TEMOIN). -#}
{% macro groupe_experimentation_a_date(groupe, date_debut, d) -%}
    case
        when {{ groupe }} is null then 'HORS_PERIMETRE'
        when {{ date_debut }} is not null and {{ d }} < {{ date_debut }} then 'TEMOIN'
        else {{ groupe }}
    end
{%- endmacro %}

{#- Duration of a sanction (D5, indicators-rpe.md): 1, 2, 3_4, 5_plus months; missing: non_renseignee. -#}
{% macro tranche_duree_sanction(mois) -%}
    case
        when {{ mois }} is null then 'non_renseignee'
        when {{ mois }} <= 1 then '1'
        when {{ mois }} = 2 then '2'
        when {{ mois }} <= 4 then '3_4'
        else '5_plus'
    end
{%- endmacro %}
