-- The data dictionary of the indicators, as a table: one row per indicator, read from the
-- meta.dictionnaire of the model ``indicateurs`` (_marts.yml), where it is written once. The
-- published warehouse thus carries its own dictionary (dashboards, reports, exports read it
-- without a dbt manifest).
{%- set fiches = {} -%}
{%- if execute -%}
    {%- set fiches = graph.nodes['model.socle.indicateurs'].config.meta.dictionnaire -%}
{%- endif %}


with fiches as (
{%- for code, fiche in fiches.items() %}
    select
        '{{ code }}' as indicateur,
        {{ litteral_texte(fiche.get('numero')) }} as numero,
        {{ litteral_texte(fiche.get('famille')) }} as famille,
        {{ litteral_texte(fiche.get('libelle')) }} as libelle,
        {{ litteral_texte(fiche.get('unite')) }} as unite,
        {{ litteral_texte(fiche.get('statut')) }} as statut,
        {{ litteral_texte(fiche.get('definition')) }} as definition,
        {{ litteral_texte(fiche.get('population')) }} as population,
        {{ litteral_texte(fiche.get('fenetre')) }} as fenetre,
        {{ litteral_texte((fiche.get('ventilations') or []) | join(', ')) }} as ventilations,
        {{ litteral_texte((fiche.get('types_periode') or []) | join(', ')) }} as types_periode,
        {{ litteral_texte((fiche.get('exports_sources') or []) | join(', ')) }} as exports_sources,
        {{ litteral_texte(fiche.get('territoire')) }} as territoire,
        {{ litteral_texte(fiche.get('choix') or []) }} as choix
    {% if not loop.last %}union all{% endif %}
{%- else %}
    select
        {% for c in ['indicateur', 'numero', 'famille', 'libelle', 'unite', 'statut', 'definition',
                     'population', 'fenetre', 'ventilations', 'types_periode', 'exports_sources',
                     'territoire', 'choix'] -%}
        cast(null as {{ dbt.type_string() }}) as {{ c }}{% if not loop.last %},{% endif %}
        {% endfor %}
    where 1 = 0
{%- endfor %}
)

select * from fiches
