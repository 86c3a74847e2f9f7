{#- Current version of each record of a raw export (export contract, "Deliveries"):
    greatest date_maj, then the latest file (extraction date, then sequence number), then the
    last line of that file; a current version that is a tombstone (supprime) means the record
    does not exist. Returns a select usable as a subquery or a CTE body. -#}
{% macro version_courante(relation, cle) -%}
    select versions.*
    from (
        select
            brut.*,
            row_number() over (
                partition by {{ cle | join(', ') }}
                order by
                    brut.date_maj desc nulls last,
                    brut._date_extraction desc nulls last,
                    brut._sequence desc nulls last,
                    brut._ligne desc nulls last
            ) as rang_version
        from {{ relation }} as brut
    ) as versions
    where versions.rang_version = 1
        and not coalesce(versions.supprime, false)
{%- endmacro %}
