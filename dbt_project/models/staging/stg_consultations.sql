-- Consultation log: no key, an append-only log, so no version to choose; an exact duplicate row
-- (the same consultation delivered twice, in one file or in overlapping deliveries) is one
-- consultation, so that the rules give the same result whether the log was loaded in one go or
-- day by day. Rename and cast only: no business rule here.
with consultations_distinctes as (
    select distinct
        consultations.horodatage,
        consultations.id_agent,
        consultations.id_personne,
        consultations.application,
        consultations.code_site
    from {{ source('raw', 'consultations') }} as consultations
)

select * from consultations_distinctes
