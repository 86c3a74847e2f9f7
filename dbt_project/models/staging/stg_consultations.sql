-- Consultation log: no key, an append-only log, so no version to choose. Every delivered row
-- with its load; an exact duplicate row (the same consultation delivered twice, in one file or
-- in overlapping deliveries) is one consultation, which int_consultations__candidats applies as
-- it reads the new loads only. Rename and cast only: no business rule here.
with consultations as (
    select
        consultations.horodatage,
        consultations.id_agent,
        consultations.id_personne,
        consultations.application,
        consultations.code_site,
        consultations._id_chargement as id_chargement
    from {{ source('raw', 'consultations') }} as consultations
)

select * from consultations
