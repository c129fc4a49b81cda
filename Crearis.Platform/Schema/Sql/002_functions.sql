-- 002_functions.sql
-- Functions behind generated columns and triggers.
--
-- Created before the tables because two generated columns call functions from here.
-- PL/pgSQL bodies are only resolved when first executed, so referring to tables that
-- 003_tables.sql has not created yet is fine.
--
-- Every object reference is schema-qualified: a session with an empty search_path
-- (pg_dump data loads, importers that clear it) must still be able to write rows whose
-- generated columns or triggers look into other tables.
--
-- Several functions reproduce odd behaviour of the original platform on purpose
-- (see the notes at each). Backups carry values computed by these rules, and a database
-- built from this schema has to produce the same values for the same input.


-- ---------------------------------------------------------------------------
-- Functions used by GENERATED columns.
-- They read other tables, which a generated column normally must not do; PostgreSQL only
-- accepts them because they are declared IMMUTABLE. Stored values are therefore not
-- refreshed when the looked-up rows change later - the platform lives with that.
-- ---------------------------------------------------------------------------

-- Localised status name: requested language, then de, then en, then the plain name.
CREATE FUNCTION public.status_caption(status_ref integer, lang_code text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
AS $fn$
DECLARE
    plain_label text;
    label_map   jsonb;
BEGIN
    IF status_ref IS NULL THEN
        RETURN NULL;
    END IF;

    SELECT s.name, s.name_i18n
      INTO plain_label, label_map
      FROM public.status s
     WHERE s.id = status_ref;

    IF label_map IS NULL THEN
        RETURN plain_label;
    END IF;

    RETURN coalesce(label_map ->> lang_code, label_map ->> 'de', label_map ->> 'en', plain_label);
END;
$fn$;

-- Full host name of a domain row. A missing sysdomain or a missing label yields NULL
-- (plain || semantics), which the unique index on domains.domainname tolerates.
CREATE FUNCTION public.domain_fullname(sysdomain_ref integer, tld_name text, sub_label text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
AS $fn$
DECLARE
    base_host text;
BEGIN
    IF sysdomain_ref IS NULL THEN
        RETURN sub_label || '.' || tld_name;
    END IF;

    SELECT sd.domainstring INTO base_host
      FROM public.sysdomains sd
     WHERE sd.id = sysdomain_ref;

    IF coalesce(sub_label, '') <> '' THEN
        RETURN sub_label || '.' || base_host || '.' || tld_name;
    END IF;
    RETURN base_host || '.' || tld_name;
END;
$fn$;


-- ---------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------

-- JSON rendering of one image_shape for the img_* columns. Precedence json > x/y/z > url >
-- caller's fallback; optional extras are merged on top. Keys with NULL x/y/z stay in the
-- object as JSON null because consumers test for the key, not the value.
CREATE FUNCTION public.image_shape_json(shape public.image_shape, when_empty jsonb, alt text)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
AS $fn$
DECLARE
    rendered jsonb;
BEGIN
    IF (shape).json IS NOT NULL THEN
        rendered := (shape).json;
    ELSIF (shape).x IS NOT NULL OR (shape).y IS NOT NULL OR (shape).z IS NOT NULL THEN
        rendered := jsonb_build_object('type', 'params',
                                       'x', (shape).x, 'y', (shape).y, 'z', (shape).z);
    ELSIF (shape).url IS NOT NULL THEN
        rendered := jsonb_build_object('url', (shape).url);
    ELSE
        rendered := when_empty;
    END IF;

    IF (shape).blur IS NOT NULL THEN
        rendered := rendered || jsonb_build_object('blur', (shape).blur);
    END IF;
    IF (shape).turl IS NOT NULL THEN
        rendered := rendered || jsonb_build_object('turl', (shape).turl);
    END IF;
    IF (shape).tpar IS NOT NULL THEN
        rendered := rendered || jsonb_build_object('tpar', (shape).tpar);
    END IF;
    IF alt IS NOT NULL AND alt <> '' THEN
        rendered := rendered || jsonb_build_object('alt_text', alt);
    END IF;

    RETURN rendered;
END;
$fn$;

-- Topmost ancestor of an image along variations.parent_id, NULL for an image without
-- parent. Reads the STORED rows, so an image that is still being inserted has no root
-- yet (the platform resolves it on the next update). More than five ancestors, or a
-- cycle, is treated as corrupt data.
CREATE FUNCTION public.image_lineage_root(start_image integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    current_image integer := start_image;
    next_up       integer;
    hops          integer := 0;
BEGIN
    LOOP
        IF hops > 5 THEN
            RAISE EXCEPTION 'image % has too many ancestors (or a parent cycle)', start_image;
        END IF;

        SELECT (im.variations).parent_id INTO next_up
              FROM public.images im
         WHERE im.id = current_image;

        IF next_up IS NULL THEN
            IF hops = 0 THEN
                RETURN NULL;
            END IF;
            RETURN current_image;
        END IF;

        current_image := next_up;
        hops := hops + 1;
    END LOOP;
END;
$fn$;

-- Cached tag lists of events and posts. Ids ascend; labels follow the tag's base name
-- (not the translated label), so the two arrays are not parallel - consumers rely on
-- exactly this order.
CREATE FUNCTION public.event_tag_ids(event_ref integer)
RETURNS integer[]
LANGUAGE plpgsql
STABLE
AS $fn$
BEGIN
    RETURN (SELECT coalesce(array_agg(et.tag_id ORDER BY et.tag_id), '{}'::integer[])
              FROM public.events_tags et
             WHERE et.event_id = event_ref);
END;
$fn$;

CREATE FUNCTION public.event_tag_labels(event_ref integer, lang_code text)
RETURNS text[]
LANGUAGE plpgsql
STABLE
AS $fn$
BEGIN
    RETURN (SELECT coalesce(array_agg(coalesce(tg.name_i18n ->> lang_code, tg.name) ORDER BY tg.name), '{}'::text[])
              FROM public.events_tags et
              JOIN public.tags tg ON tg.id = et.tag_id
             WHERE et.event_id = event_ref);
END;
$fn$;

CREATE FUNCTION public.post_tag_ids(post_ref integer)
RETURNS integer[]
LANGUAGE plpgsql
STABLE
AS $fn$
BEGIN
    RETURN (SELECT coalesce(array_agg(pt.tag_id ORDER BY pt.tag_id), '{}'::integer[])
              FROM public.posts_tags pt
             WHERE pt.post_id = post_ref);
END;
$fn$;

CREATE FUNCTION public.post_tag_labels(post_ref integer, lang_code text)
RETURNS text[]
LANGUAGE plpgsql
STABLE
AS $fn$
BEGIN
    RETURN (SELECT coalesce(array_agg(coalesce(tg.name_i18n ->> lang_code, tg.name) ORDER BY tg.name), '{}'::text[])
              FROM public.posts_tags pt
              JOIN public.tags tg ON tg.id = pt.tag_id
             WHERE pt.post_id = post_ref);
END;
$fn$;


-- ---------------------------------------------------------------------------
-- users
-- ---------------------------------------------------------------------------

-- A login address must not collide with somebody else's external address in either
-- direction; the two UNIQUE constraints only cover each column on its own.
CREATE FUNCTION public.trgfn_users_mail_crosscheck()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NEW.extmail IS NOT NULL
       AND EXISTS (SELECT 1 FROM public.users u WHERE u.sysmail = NEW.extmail AND u.id <> NEW.id) THEN
        RAISE EXCEPTION 'address % is already another user''s sysmail', NEW.extmail;
    END IF;

    IF EXISTS (SELECT 1 FROM public.users u WHERE u.extmail = NEW.sysmail AND u.id <> NEW.id) THEN
        RAISE EXCEPTION 'address % is already another user''s extmail', NEW.sysmail;
    END IF;

    RETURN NEW;
END;
$fn$;

-- instructors.is_user mirrors "some user points at me". Re-pointing a user to another
-- instructor deliberately leaves the previous one flagged (platform behaviour); only a
-- deleted user clears the flag.
CREATE FUNCTION public.trgfn_users_instructor_link()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.instructor_id IS NOT NULL THEN
            UPDATE public.instructors ins
               SET is_user = EXISTS (SELECT 1 FROM public.users u
                                      WHERE u.instructor_id = OLD.instructor_id AND u.id <> OLD.id)
             WHERE ins.id = OLD.instructor_id;
        END IF;
        RETURN OLD;
    END IF;

    IF NEW.instructor_id IS NOT NULL THEN
        UPDATE public.instructors ins SET is_user = TRUE WHERE ins.id = NEW.instructor_id;
    END IF;
    RETURN NEW;
END;
$fn$;

-- Same rule as above for participants (participant_id has no FK, so the target may be missing).
CREATE FUNCTION public.trgfn_users_participant_link()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.participant_id IS NOT NULL THEN
            UPDATE public.participants pa
               SET is_user = EXISTS (SELECT 1 FROM public.users u
                                      WHERE u.participant_id = OLD.participant_id AND u.id <> OLD.id)
             WHERE pa.id = OLD.participant_id;
        END IF;
        RETURN OLD;
    END IF;

    IF NEW.participant_id IS NOT NULL THEN
        UPDATE public.participants pa SET is_user = TRUE WHERE pa.id = NEW.participant_id;
    END IF;
    RETURN NEW;
END;
$fn$;


-- ---------------------------------------------------------------------------
-- Entity image cache (users, projects, instructors, locations, posts, events)
-- ---------------------------------------------------------------------------

-- Entities keep a copy of their image's img_* columns so list views need no join.
-- Only a real change of img_id refreshes the copy; an unchanged img_id keeps whatever
-- the statement wrote. A dangling img_id leaves the copy all NULL.
CREATE FUNCTION public.trgfn_entity_img_copy()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NEW.img_id IS NULL THEN
        NEW.img_show   := FALSE;
        NEW.img_thumb  := NULL;
        NEW.img_square := NULL;
        NEW.img_wide   := NULL;
        NEW.img_vert   := NULL;
    ELSIF TG_OP = 'INSERT' OR OLD.img_id IS DISTINCT FROM NEW.img_id THEN
        SELECT im.img_show, im.img_thumb, im.img_square, im.img_wide, im.img_vert
          INTO NEW.img_show, NEW.img_thumb, NEW.img_square, NEW.img_wide, NEW.img_vert
              FROM public.images im
         WHERE im.id = NEW.img_id;
    END IF;
    RETURN NEW;
END;
$fn$;


-- ---------------------------------------------------------------------------
-- images
-- ---------------------------------------------------------------------------

-- ctags byte 0: bits 4+5 visibility (16 public / 32 private / 48 internal),
-- bits 6+7 quality (64 deprecated / 128, 192 issues).
--
-- about is only filled when empty, so adapters can supply their own credit line.
-- use_player tests the WHOLE publisher composite with IS NOT NULL, which is true only
-- when every field of it is set; a publisher with e.g. no folder_id never gets the
-- player. That is how the platform behaves and what its data contains.
CREATE FUNCTION public.trgfn_images_meta()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
    flags integer := get_byte(NEW.ctags, 0);
BEGIN
    IF coalesce(NEW.about, '') = '' THEN
        NEW.about := CASE
            WHEN coalesce((NEW.author).info, '') <> ''
                THEN '(c) ' || (NEW.author).info || ' via ' || (NEW.author).adapter::text
            WHEN (NEW.author).account_id IS NOT NULL
                THEN '(c) ' || (NEW.author).account_id || ' via ' || (NEW.author).adapter::text
            WHEN NEW.owner_id IS NOT NULL
                THEN '(c) owner_id:' || NEW.owner_id::text
        END;
    END IF;

    NEW.use_player := NEW.publisher IS NOT NULL
                      AND (NEW.publisher).adapter IN ('vimeo', 'youtube');

    NEW.is_public     := (flags & 48) = 16;
    NEW.is_private    := (flags & 48) = 32;
    NEW.is_internal   := (flags & 48) = 48;
    NEW.is_deprecated := (flags & 192) = 64;
    NEW.has_issues    := (flags & 192) IN (128, 192);

    RETURN NEW;
END;
$fn$;

-- img_* JSON per format. Square falls back to an error marker and thumb falls back to
-- the finished square; wide/vertical are simply disabled when undefined. Deprecated
-- images are still shown, images with issues are not.
CREATE FUNCTION public.trgfn_images_shape_json()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    NEW.img_show   := (get_byte(NEW.ctags, 0) & 192) IN (0, 64);
    NEW.img_square := public.image_shape_json(NEW.shape_square, jsonb_build_object('error', true), NEW.alt_text);
    NEW.img_thumb  := public.image_shape_json(NEW.shape_thumb, NEW.img_square, NEW.alt_text);
    NEW.img_wide   := public.image_shape_json(NEW.shape_wide, jsonb_build_object('enabled', false), NEW.alt_text);
    NEW.img_vert   := public.image_shape_json(NEW.shape_vertical, jsonb_build_object('enabled', false), NEW.alt_text);
    RETURN NEW;
END;
$fn$;

-- Denormalised project code, so image lists can be filtered without a join.
CREATE FUNCTION public.trgfn_images_project_code()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    NEW.project_domaincode := (SELECT p.domaincode FROM public.projects p WHERE p.id = NEW.project_id);
    RETURN NEW;
END;
$fn$;

-- Same composite IS NOT NULL quirk as use_player: only a variations value with every
-- field set triggers the lookup, and the lookup reads the stored row (see image_lineage_root).
CREATE FUNCTION public.trgfn_images_root()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NEW.variations IS NOT NULL AND (NEW.variations).parent_id IS NOT NULL THEN
        NEW.root_id := public.image_lineage_root(NEW.id);
    ELSE
        NEW.root_id := NULL;
    END IF;
    RETURN NEW;
END;
$fn$;

-- Push a changed image rendering into every entity cache that points at it. The order
-- of the tables matters: the users update cascades into instructors via their triggers.
CREATE FUNCTION public.trgfn_images_push_to_entities()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    UPDATE public.users t
       SET img_show = NEW.img_show, img_thumb = NEW.img_thumb, img_square = NEW.img_square,
           img_wide = NEW.img_wide, img_vert = NEW.img_vert
     WHERE t.img_id = NEW.id;

    UPDATE public.instructors t
       SET img_show = NEW.img_show, img_thumb = NEW.img_thumb, img_square = NEW.img_square,
           img_wide = NEW.img_wide, img_vert = NEW.img_vert
     WHERE t.img_id = NEW.id;

    UPDATE public.events t
       SET img_show = NEW.img_show, img_thumb = NEW.img_thumb, img_square = NEW.img_square,
           img_wide = NEW.img_wide, img_vert = NEW.img_vert
     WHERE t.img_id = NEW.id;

    UPDATE public.locations t
       SET img_show = NEW.img_show, img_thumb = NEW.img_thumb, img_square = NEW.img_square,
           img_wide = NEW.img_wide, img_vert = NEW.img_vert
     WHERE t.img_id = NEW.id;

    UPDATE public.posts t
       SET img_show = NEW.img_show, img_thumb = NEW.img_thumb, img_square = NEW.img_square,
           img_wide = NEW.img_wide, img_vert = NEW.img_vert
     WHERE t.img_id = NEW.id;

    UPDATE public.projects t
       SET img_show = NEW.img_show, img_thumb = NEW.img_thumb, img_square = NEW.img_square,
           img_wide = NEW.img_wide, img_vert = NEW.img_vert
     WHERE t.img_id = NEW.id;

    RETURN NULL;
END;
$fn$;


-- ---------------------------------------------------------------------------
-- projects
-- ---------------------------------------------------------------------------

-- Moving a project into demo (19) or progress (20) gives it its default pages, once.
-- Only status changes on UPDATE count: projects inserted with those ids get no pages.
CREATE FUNCTION public.trgfn_projects_seed_pages()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
    wanted text[] := '{}';
    kind   text;
BEGIN
    IF OLD.status_id IS DISTINCT FROM NEW.status_id AND NEW.status_id IN (19, 20) THEN
        IF NOT NEW.is_service THEN wanted := wanted || 'landing'::text; END IF;
        IF NOT NEW.is_onepage THEN wanted := wanted || 'post'::text;    END IF;
        IF NOT NEW.is_topic   THEN wanted := wanted || 'event'::text;   END IF;
        IF NEW.team_page = 'yes' THEN wanted := wanted || 'team'::text; END IF;

        FOREACH kind IN ARRAY wanted LOOP
            INSERT INTO public.pages (project, page_type, header_type)
            SELECT NEW.id, kind, 'simple'
             WHERE NOT EXISTS (SELECT 1 FROM public.pages pg
                                WHERE pg.project = NEW.id AND pg.page_type = kind);
        END LOOP;
    END IF;
    RETURN NULL;
END;
$fn$;


-- ---------------------------------------------------------------------------
-- instructors / locations
-- ---------------------------------------------------------------------------

-- A user-linked instructor belongs to the regio of "their" user: a regio project the
-- user owns or is listed in (member_ids holds user ids as JSON numbers or strings).
-- Without a linked user row the previous regio is kept; without the flag it is cleared.
CREATE FUNCTION public.trgfn_instructors_regio()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
    linked_user integer;
BEGIN
    IF NOT coalesce(NEW.is_user, FALSE) THEN
        NEW.regio_id := NULL;
        RETURN NEW;
    END IF;

    SELECT u.id INTO linked_user
      FROM public.users u
     WHERE u.instructor_id = NEW.id
     LIMIT 1;

    IF linked_user IS NOT NULL THEN
        NEW.regio_id := (
            SELECT p.id
              FROM public.projects p
             WHERE p.is_regio = TRUE
               AND (p.owner_id = linked_user
                    OR linked_user::text = ANY (SELECT jsonb_array_elements_text(p.member_ids)))
             LIMIT 1);
    END IF;
    RETURN NEW;
END;
$fn$;

-- A project with at least one location past draft (status_id > 2) is a location provider.
-- Like is_user, the flag is only ever raised on insert/update and re-evaluated on delete.
CREATE FUNCTION public.trgfn_locations_provider_flag()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.project_id IS NOT NULL THEN
            UPDATE public.projects p
               SET is_location_provider = EXISTS (
                       SELECT 1 FROM public.locations l
                        WHERE l.project_id = OLD.project_id AND l.status_id > 2 AND l.id <> OLD.id)
             WHERE p.id = OLD.project_id;
        END IF;
        RETURN OLD;
    END IF;

    IF NEW.project_id IS NOT NULL AND NEW.status_id > 2 THEN
        UPDATE public.projects p SET is_location_provider = TRUE WHERE p.id = NEW.project_id;
    END IF;
    RETURN NEW;
END;
$fn$;


-- ---------------------------------------------------------------------------
-- events / posts
-- ---------------------------------------------------------------------------

-- regio_id is always derived from the project (shared by events and posts); a value
-- written by the caller is overwritten.
CREATE FUNCTION public.trgfn_regio_from_project()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    NEW.regio_id := (SELECT p.regio FROM public.projects p WHERE p.id = NEW.project_id LIMIT 1);
    RETURN NEW;
END;
$fn$;

-- tags_display is language dependent, so a language switch re-renders it.
CREATE FUNCTION public.trgfn_events_tags_display_lang()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NEW.lang IS DISTINCT FROM OLD.lang THEN
        NEW.tags_display := public.event_tag_labels(NEW.id, NEW.lang);
    END IF;
    RETURN NEW;
END;
$fn$;

CREATE FUNCTION public.trgfn_posts_tags_display_lang()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NEW.lang IS DISTINCT FROM OLD.lang THEN
        NEW.tags_display := public.post_tag_labels(NEW.id, NEW.lang);
    END IF;
    RETURN NEW;
END;
$fn$;

-- Junction changes rebuild the cached arrays of the affected event/post. An UPDATE that
-- moves a row to another parent only refreshes the new parent (platform behaviour).
CREATE FUNCTION public.trgfn_events_tags_cache()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
    target integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        target := OLD.event_id;
    ELSE
        target := NEW.event_id;
    END IF;

    UPDATE public.events e
       SET tags_ids     = public.event_tag_ids(e.id),
           tags_display = public.event_tag_labels(e.id, e.lang)
     WHERE e.id = target;
    RETURN NULL;
END;
$fn$;

CREATE FUNCTION public.trgfn_posts_tags_cache()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
    target integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        target := OLD.post_id;
    ELSE
        target := NEW.post_id;
    END IF;

    UPDATE public.posts po
       SET tags_ids     = public.post_tag_ids(po.id),
           tags_display = public.post_tag_labels(po.id, po.lang)
     WHERE po.id = target;
    RETURN NULL;
END;
$fn$;

-- Publishing needs an accountable person. The rule still keys on the legacy TEXT column
-- events.status (not status_id): every status past 'draft' - active, final, published,
-- reopen, trash - requires public_user to be an instructor linked to a user.
-- Unknown or NULL texts count as 'idea' and pass.
CREATE FUNCTION public.trgfn_events_publish_guard()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
    speaker_linked boolean;
BEGIN
    IF NEW.status IN ('active', 'final', 'published', 'reopen', 'trash') THEN
        IF NEW.public_user IS NULL THEN
            RAISE EXCEPTION 'event % cannot be published without public_user (a user-linked instructor)', NEW.xmlid;
        END IF;

        SELECT ins.is_user INTO speaker_linked
              FROM public.instructors ins
         WHERE ins.id = NEW.public_user
         LIMIT 1;

        IF speaker_linked IS NULL THEN
            RAISE EXCEPTION 'event % cannot be published: instructor % not found', NEW.xmlid, NEW.public_user;
        END IF;
        IF NOT speaker_linked THEN
            RAISE EXCEPTION 'event % cannot be published: instructor % is not linked to a user', NEW.xmlid, NEW.public_user;
        END IF;
    END IF;
    RETURN NEW;
END;
$fn$;


-- ---------------------------------------------------------------------------
-- interactions / tasks / domains
-- ---------------------------------------------------------------------------

-- The FK only proves the status exists; interactions may only use their own status rows.
CREATE FUNCTION public.trgfn_interactions_status_scope()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.status s
                    WHERE s.id = NEW.status_id AND s."table" = 'interactions') THEN
        RAISE EXCEPTION 'interactions.status_id % is not an interactions status', NEW.status_id;
    END IF;
    RETURN NEW;
END;
$fn$;

-- tasks.updated_at is a TEXT column: the stamp lands in the session's timestamptz text form.
CREATE FUNCTION public.trgfn_stamp_updated_at()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$fn$;

-- A system domain dictates its TLD; whatever the caller sent is replaced (an unknown
-- sysdomain therefore ends in a NOT NULL violation on tld).
CREATE FUNCTION public.trgfn_domains_tld_from_sysdomain()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NEW.sysdomain_id IS NOT NULL THEN
        NEW.tld := (SELECT sd.tld FROM public.sysdomains sd WHERE sd.id = NEW.sysdomain_id);
    END IF;
    RETURN NEW;
END;
$fn$;
