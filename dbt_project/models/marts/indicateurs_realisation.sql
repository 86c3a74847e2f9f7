-- Family B, réalisation: cells of the indicators built so far (B1), from member-level rows.
with delai_inscription_diagnostic_median as (
    {{ agreger_indicateur(
        ref('int_membres__b1_delai_diagnostic'),
        'delai_inscription_diagnostic_median',
        'jours',
        ['allocation', 'canal_inscription', 'groupe_experimentation']
    ) }}
)

select * from delai_inscription_diagnostic_median
