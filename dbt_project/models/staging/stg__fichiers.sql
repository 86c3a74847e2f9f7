-- Registry of received files: the loaded ones (statut CHARGE). Rename and cast only.
with fichiers as (
    select
        id_chargement,
        export,
        fichier,
        cast(date_extraction as date) as date_extraction,
        sequence,
        lignes_lues,
        lignes_chargees,
        lignes_quarantaine,
        charge_le
    from {{ source('raw', '_fichiers') }}
    where statut = 'CHARGE'
)

select * from fichiers
