{#- Spark's default tables (Parquet, not Delta) cannot carry NOT NULL: dbt-spark would alter each
    contracted column and fail. The marts' contracts still fix names and types on Spark; their
    not_null data tests check the values on both engines. -#}
{% macro spark__alter_column_set_constraints(relation, column_dict) %}
  {{ log("Contraintes NOT NULL non posées sur " ~ relation ~ " (tables Spark sans Delta) : les tests not_null les vérifient.") }}
{% endmacro %}
