-- Family G, the law's deadlines (indicators-rpe.md): cells of G1 from member-level rows. G1 is the
-- ratio of a stock: monthly cells only (marts/indicateurs.sql).
with taux_contrat_engagement_stock as (
    {{ agreger_indicateur(
        ref('int_membres__g1_contrat_engagement_stock'),
        'taux_contrat_engagement_stock',
        'taux',
        ['allocation', 'anciennete']
    ) }}
)

select * from taux_contrat_engagement_stock
