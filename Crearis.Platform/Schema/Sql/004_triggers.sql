-- 004_triggers.sql
-- Trigger wiring. Trigger names are the platform's: PostgreSQL fires triggers of the same
-- timing and event in name order, and several of them depend on that order (e.g. the
-- image triggers, and users' instructor/participant flag maintenance). Keeping the names
-- keeps the order, and keeps catalog comparisons with platform databases meaningful.
--
-- Column lists in "UPDATE OF" matter: an UPDATE that names the column fires the trigger
-- even when the value does not change, and cascades elsewhere rely on that.


-- users ---------------------------------------------------------------------

CREATE TRIGGER trigger_check_email_uniqueness
    BEFORE INSERT OR UPDATE ON public.users
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_users_mail_crosscheck();

CREATE TRIGGER trigger_sync_img_fields
    BEFORE INSERT OR UPDATE OF img_id ON public.users
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_entity_img_copy();

CREATE TRIGGER trg_update_instructor_is_user
    AFTER INSERT OR UPDATE OR DELETE ON public.users
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_users_instructor_link();

CREATE TRIGGER trg_update_participant_is_user
    AFTER INSERT OR UPDATE OR DELETE ON public.users
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_users_participant_link();


-- images --------------------------------------------------------------------

CREATE TRIGGER trigger_compute_image_shapes
    BEFORE INSERT OR UPDATE ON public.images
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_images_shape_json();

CREATE TRIGGER trigger_update_image_computed_fields
    BEFORE INSERT OR UPDATE ON public.images
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_images_meta();

CREATE TRIGGER trigger_update_image_project_domaincode
    BEFORE INSERT OR UPDATE ON public.images
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_images_project_code();

CREATE TRIGGER trigger_update_image_root_id
    BEFORE INSERT OR UPDATE ON public.images
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_images_root();

-- Only rendering-relevant columns propagate; e.g. a title change leaves entity caches alone.
CREATE TRIGGER trigger_propagate_to_entities
    AFTER INSERT OR UPDATE OF img_show, img_thumb, img_square, img_wide, img_vert,
                              shape_thumb, shape_square, shape_wide, shape_vertical
    ON public.images
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_images_push_to_entities();


-- projects ------------------------------------------------------------------

CREATE TRIGGER trigger_sync_img_fields
    BEFORE INSERT OR UPDATE OF img_id ON public.projects
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_entity_img_copy();

-- AFTER, so the generated is_service/is_onepage/is_topic values of the new row are final.
CREATE TRIGGER trigger_create_project_pages_on_status
    AFTER UPDATE ON public.projects
    FOR EACH ROW
    WHEN (OLD.status_id IS DISTINCT FROM NEW.status_id)
    EXECUTE FUNCTION public.trgfn_projects_seed_pages();


-- instructors / locations -------------------------------------------------------

-- Fires on is_user, which the users triggers set, so linking a user recomputes the regio.
CREATE TRIGGER trg_update_instructors_regio
    BEFORE INSERT OR UPDATE OF is_user ON public.instructors
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_instructors_regio();

CREATE TRIGGER trigger_sync_img_fields
    BEFORE INSERT OR UPDATE OF img_id ON public.instructors
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_entity_img_copy();

CREATE TRIGGER trg_update_project_location_provider
    AFTER INSERT OR UPDATE OR DELETE ON public.locations
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_locations_provider_flag();

CREATE TRIGGER trigger_sync_img_fields
    BEFORE INSERT OR UPDATE OF img_id ON public.locations
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_entity_img_copy();


-- posts ---------------------------------------------------------------------

CREATE TRIGGER trg_update_posts_lang
    BEFORE UPDATE OF lang ON public.posts
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_posts_tags_display_lang();

CREATE TRIGGER trg_update_posts_regio
    BEFORE INSERT OR UPDATE OF project_id ON public.posts
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_regio_from_project();

CREATE TRIGGER trigger_sync_img_fields
    BEFORE INSERT OR UPDATE OF img_id ON public.posts
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_entity_img_copy();

CREATE TRIGGER trg_update_posts_tags
    AFTER INSERT OR UPDATE OR DELETE ON public.posts_tags
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_posts_tags_cache();


-- events --------------------------------------------------------------------

CREATE TRIGGER trg_update_events_lang
    BEFORE UPDATE OF lang ON public.events
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_events_tags_display_lang();

CREATE TRIGGER trg_update_events_regio
    BEFORE INSERT OR UPDATE OF project_id ON public.events
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_regio_from_project();

CREATE TRIGGER trg_validate_event_status
    BEFORE INSERT OR UPDATE OF status, public_user ON public.events
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_events_publish_guard();

CREATE TRIGGER trigger_sync_img_fields
    BEFORE INSERT OR UPDATE OF img_id ON public.events
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_entity_img_copy();

CREATE TRIGGER trg_update_events_tags
    AFTER INSERT OR UPDATE OR DELETE ON public.events_tags
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_events_tags_cache();


-- interactions / tasks / domains ----------------------------------------------

CREATE TRIGGER trigger_check_interactions_status
    BEFORE INSERT OR UPDATE ON public.interactions
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_interactions_status_scope();

CREATE TRIGGER tasks_updated_at_trigger
    BEFORE UPDATE ON public.tasks
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_stamp_updated_at();

CREATE TRIGGER trigger_enforce_sysdomain_tld
    BEFORE INSERT OR UPDATE ON public.domains
    FOR EACH ROW EXECUTE FUNCTION public.trgfn_domains_tld_from_sysdomain();
