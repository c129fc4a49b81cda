-- 003_tables.sql
-- Tables, keys, checks and indexes of the backup-relevant part of the Crearis schema.
--
-- Column order, types, defaults and constraint/index names follow the migrated platform
-- database exactly: backups list columns by ordinal position and the engine reports
-- violations by constraint name. Several names carry a "1" suffix (users_pkey1,
-- projects_type_check1, ...) because the platform rebuilt those tables during its
-- migrations; the suffix is kept so error reports stay comparable.
--
-- All foreign keys are added at the end: users, images, projects, instructors and domains
-- reference each other in cycles, so no creation order could satisfy inline references.


-- ---------------------------------------------------------------------------
-- Lookup tables
-- ---------------------------------------------------------------------------

CREATE TABLE public.status (
    id          serial,
    value       smallint NOT NULL,
    name        text     NOT NULL,
    "table"     text     NOT NULL,
    description text,
    name_i18n   jsonb,
    desc_i18n   jsonb,
    CONSTRAINT status_pkey PRIMARY KEY (id),
    CONSTRAINT status_table_check CHECK ("table" IN ('projects', 'events', 'posts', 'persons',
                                                     'users', 'tasks', 'interactions', 'images'))
);
CREATE UNIQUE INDEX idx_status_name_table ON public.status (name, "table");
CREATE INDEX idx_status_name  ON public.status (name);
CREATE INDEX idx_status_table ON public.status ("table");

CREATE TABLE public.tags (
    id          serial,
    name        text NOT NULL,
    description text,
    name_i18n   jsonb,
    desc_i18n   jsonb,
    CONSTRAINT tags_pkey PRIMARY KEY (id)
);
-- A unique index rather than a constraint: that is what the platform has, and importers
-- use ON CONFLICT on the column list, which works with either.
CREATE UNIQUE INDEX idx_tags_name ON public.tags (name);


-- ---------------------------------------------------------------------------
-- Domains
-- ---------------------------------------------------------------------------

CREATE TABLE public.tlds (
    name        text NOT NULL,
    description text,
    relevance   integer,
    CONSTRAINT tlds_pkey PRIMARY KEY (name),
    CONSTRAINT tlds_relevance_check CHECK (relevance IN (1, 2, 3, 4))
);

CREATE TABLE public.sysdomains (
    id           serial,
    tld          text NOT NULL,
    domain       text NOT NULL,
    subdomain    text,
    description  text,
    options      jsonb,
    domainstring text GENERATED ALWAYS AS (
        CASE WHEN subdomain IS NOT NULL AND subdomain <> '' THEN subdomain || '.' || domain
             ELSE domain
        END) STORED,
    CONSTRAINT sysdomains_pkey PRIMARY KEY (id)
);

CREATE TABLE public.domains (
    id            serial,
    sysdomain_id  integer,
    tld           text NOT NULL,
    textdomain    text,
    admin_user_id integer,
    project_id    integer,
    description   text,
    domainname    text GENERATED ALWAYS AS (public.domain_fullname(sysdomain_id, tld, textdomain)) STORED,
    CONSTRAINT domains_pkey PRIMARY KEY (id),
    CONSTRAINT domains_textdomain_check CHECK (textdomain IS NULL OR textdomain ~ '^[a-z0-9_]+$')
);
CREATE UNIQUE INDEX idx_domains_domainname ON public.domains (domainname);


-- ---------------------------------------------------------------------------
-- users
-- ---------------------------------------------------------------------------

CREATE TABLE public.users (
    id             serial,
    sysmail        text NOT NULL,
    extmail        text,
    username       text NOT NULL,
    password       text NOT NULL,
    role           text NOT NULL,
    status_id      integer,
    instructor_id  integer,
    participant_id integer,
    lang           text NOT NULL DEFAULT 'de',
    created_at     timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at     timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    img_id         integer,
    img_show       boolean DEFAULT false,
    img_thumb      jsonb,
    img_square     jsonb,
    img_wide       jsonb,
    img_vert       jsonb,
    status_display text GENERATED ALWAYS AS (public.status_caption(status_id, lang)) STORED,
    CONSTRAINT users_pkey1 PRIMARY KEY (id),
    CONSTRAINT users_sysmail_key UNIQUE (sysmail),
    CONSTRAINT users_extmail_key UNIQUE (extmail),
    CONSTRAINT users_extmail_check CHECK (extmail IS NULL OR extmail ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'),
    CONSTRAINT users_lang_check CHECK (lang IN ('de', 'en', 'cz')),
    CONSTRAINT users_role_check1 CHECK (role IN ('user', 'admin', 'base')),
    CONSTRAINT users_sysmail_check CHECK (sysmail ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$')
);
CREATE INDEX idx_users_img_id ON public.users (img_id);


-- ---------------------------------------------------------------------------
-- images
-- ---------------------------------------------------------------------------

-- xmlid is indexed but deliberately not unique: the platform allows duplicates.
CREATE TABLE public.images (
    id                 serial,
    xmlid              text,
    name               text NOT NULL,
    url                text NOT NULL,
    project_id         integer,
    project_domaincode text,
    status_id          integer DEFAULT 0,
    owner_id           integer,
    alt_text           text,
    title              text,
    date               timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    geo                jsonb,
    x                  integer,
    y                  integer,
    shape_wide         public.image_shape,
    shape_square       public.image_shape,
    shape_vertical     public.image_shape,
    shape_thumb        public.image_shape,
    fileformat         public.image_file_type DEFAULT 'none',
    embedformat        public.embed_file_type,
    license            public.media_licence DEFAULT 'BY',
    length             integer,
    about              text,
    author             public.media_adapter,
    producer           public.media_adapter,
    publisher          public.media_adapter,
    variations         public.image_variation,
    root_id            integer,
    use_player         boolean DEFAULT false,
    ctags              bytea DEFAULT '\x00',
    is_public          boolean DEFAULT false,
    is_private         boolean DEFAULT false,
    is_internal        boolean DEFAULT false,
    is_deprecated      boolean DEFAULT false,
    has_issues         boolean DEFAULT false,
    rtags              bytea DEFAULT '\x00',
    created_at         timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at         timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    img_show           boolean DEFAULT false,
    img_thumb          jsonb,
    img_square         jsonb,
    img_wide           jsonb,
    img_vert           jsonb,
    CONSTRAINT images_pkey PRIMARY KEY (id)
);
CREATE INDEX idx_images_owner_id           ON public.images (owner_id);
CREATE INDEX idx_images_project_domaincode ON public.images (project_domaincode);
CREATE INDEX idx_images_project_id         ON public.images (project_id);
CREATE INDEX idx_images_root_id            ON public.images (root_id);
CREATE INDEX idx_images_status_id          ON public.images (status_id);
CREATE INDEX idx_images_xmlid              ON public.images (xmlid);


-- ---------------------------------------------------------------------------
-- projects
-- ---------------------------------------------------------------------------

-- The *_has_content flags are TRUE when any column of a layout area deviates from its
-- empty default (compare pages below, where the sense is inverted).
CREATE TABLE public.projects (
    id                   serial,
    domaincode           text NOT NULL,
    name                 text,
    description          text,
    status_old           text DEFAULT 'new',
    owner_id             integer,
    created_at           timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at           text,
    header_type          text,
    header_size          text,
    md                   text,
    html                 text,
    type                 text DEFAULT 'project',
    is_regio             boolean GENERATED ALWAYS AS (type = 'regio') STORED,
    is_topic             boolean GENERATED ALWAYS AS (type = 'topic') STORED,
    is_onepage           boolean GENERATED ALWAYS AS (coalesce((config ->> 'onepage')::boolean, false)) STORED,
    is_service           boolean GENERATED ALWAYS AS (coalesce((config ->> 'service')::boolean, false)) STORED,
    is_sidebar           boolean GENERATED ALWAYS AS (coalesce((config ->> 'sidebar')::boolean, false)) STORED,
    regio                integer,
    partner_projects     text,
    heading              text,
    theme                integer,
    cimg                 text,
    teaser               text,
    team_page            text DEFAULT 'yes',
    cta_title            text,
    cta_form             text,
    cta_entity           text,
    cta_link             text,
    is_company           boolean DEFAULT false,
    is_location_provider boolean DEFAULT false,
    config               jsonb,
    domain_id            integer,
    member_ids           jsonb,
    page_background      text  DEFAULT '',
    page_cssvars         jsonb DEFAULT '{}',
    page_navigation      jsonb DEFAULT '{}',
    page_options_ext     jsonb DEFAULT '{}',
    aside_postit         jsonb DEFAULT '{}',
    aside_toc            jsonb DEFAULT '{}',
    aside_list           text  DEFAULT '',
    aside_context        jsonb DEFAULT '{}',
    aside_options_ext    jsonb DEFAULT '{}',
    header_alert         jsonb DEFAULT '{}',
    header_postit        jsonb DEFAULT '{}',
    header_options_ext   jsonb DEFAULT '{}',
    footer_gallery       text  DEFAULT '',
    footer_postit        jsonb DEFAULT '{}',
    footer_slider        text  DEFAULT '',
    footer_repeat        jsonb DEFAULT '{}',
    footer_sitemap       text  DEFAULT '',
    footer_options_ext   jsonb DEFAULT '{}',
    page_has_content     boolean GENERATED ALWAYS AS (
                             coalesce(page_background, '') <> ''
                          OR coalesce(page_cssvars::text, '{}') <> '{}'
                          OR coalesce(page_navigation::text, '{}') <> '{}'
                          OR coalesce(page_options_ext::text, '{}') <> '{}') STORED,
    aside_has_content    boolean GENERATED ALWAYS AS (
                             coalesce(aside_postit::text, '{}') <> '{}'
                          OR coalesce(aside_toc::text, '{}') <> '{}'
                          OR coalesce(aside_list, '') <> ''
                          OR coalesce(aside_context::text, '{}') <> '{}'
                          OR coalesce(aside_options_ext::text, '{}') <> '{}') STORED,
    header_has_content   boolean GENERATED ALWAYS AS (
                             coalesce(header_alert::text, '{}') <> '{}'
                          OR coalesce(header_postit::text, '{}') <> '{}'
                          OR coalesce(header_options_ext::text, '{}') <> '{}') STORED,
    footer_has_content   boolean GENERATED ALWAYS AS (
                             coalesce(footer_gallery, '') <> ''
                          OR coalesce(footer_postit::text, '{}') <> '{}'
                          OR coalesce(footer_slider, '') <> ''
                          OR coalesce(footer_repeat::text, '{}') <> '{}'
                          OR coalesce(footer_sitemap, '') <> ''
                          OR coalesce(footer_options_ext::text, '{}') <> '{}') STORED,
    img_id               integer,
    img_show             boolean DEFAULT false,
    img_thumb            jsonb,
    img_square           jsonb,
    img_wide             jsonb,
    img_vert             jsonb,
    -- 18 = 'new' in the projects section of the status seed
    status_id            integer NOT NULL DEFAULT 18,
    CONSTRAINT projects_pkey1 PRIMARY KEY (id),
    CONSTRAINT projects_domaincode_key UNIQUE (domaincode),
    CONSTRAINT projects_cta_entity_check1 CHECK (cta_entity IN ('post', 'event', 'instructor')),
    CONSTRAINT projects_domaincode_check CHECK (domaincode ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT projects_header_size_check1 CHECK (header_size IN ('small', 'medium', 'large')),
    CONSTRAINT projects_team_page_check1 CHECK (team_page IN ('yes', 'no')),
    CONSTRAINT projects_type_check1 CHECK (type IN ('project', 'regio', 'special', 'topic', 'location'))
);
-- Redundant next to projects_domaincode_key, but part of the platform schema.
CREATE INDEX idx_projects_domaincode ON public.projects (domaincode);
CREATE INDEX idx_projects_img_id     ON public.projects (img_id);
CREATE INDEX idx_projects_owner      ON public.projects (owner_id);
CREATE INDEX idx_projects_status_id  ON public.projects (status_id);
CREATE INDEX idx_projects_status_old ON public.projects (status_old);
CREATE INDEX idx_projects_type       ON public.projects (type);


-- ---------------------------------------------------------------------------
-- People and places
-- ---------------------------------------------------------------------------

CREATE TABLE public.instructors (
    id             serial,
    xmlid          text,
    name           text NOT NULL,
    email          text,
    phone          text,
    city           text,
    country_id     text,
    cimg           text,
    description    text,
    event_xmlid    text,
    version_id     text,
    status_id      integer,
    multiproject   text DEFAULT 'yes',
    header_type    text,
    md             text,
    html           text,
    isbase         integer DEFAULT 0,
    created_at     timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at     text,
    is_user        boolean DEFAULT false,
    header_size    text,
    regio_id       integer,
    img_id         integer,
    img_show       boolean DEFAULT false,
    img_thumb      jsonb,
    img_square     jsonb,
    img_wide       jsonb,
    img_vert       jsonb,
    lang           text NOT NULL DEFAULT 'de',
    status_display text GENERATED ALWAYS AS (public.status_caption(status_id, lang)) STORED,
    CONSTRAINT instructors_pkey1 PRIMARY KEY (id),
    CONSTRAINT instructors_xmlid_key UNIQUE (xmlid),
    CONSTRAINT instructors_header_size_check CHECK (header_size IN ('small', 'medium', 'large')),
    CONSTRAINT instructors_lang_check CHECK (lang IN ('de', 'en', 'cz')),
    CONSTRAINT instructors_multiproject_check1 CHECK (multiproject IN ('yes', 'no'))
);
CREATE INDEX idx_instructors_img_id ON public.instructors (img_id);

-- is_location_provider here is a legacy free-text column, unrelated to the boolean on projects.
CREATE TABLE public.locations (
    id                   serial,
    xmlid                text,
    name                 text NOT NULL,
    phone                text,
    email                text,
    city                 text,
    zip                  text,
    street               text,
    country_id           text,
    is_company           text,
    category_id          text,
    cimg                 text,
    header_type          text,
    header_size          text,
    md                   text,
    is_location_provider text,
    event_xmlid          text,
    version_id           text,
    status_id            integer,
    project_id           integer,
    isbase               integer DEFAULT 0,
    created_at           timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at           text,
    img_id               integer,
    img_show             boolean DEFAULT false,
    img_thumb            jsonb,
    img_square           jsonb,
    img_wide             jsonb,
    img_vert             jsonb,
    lang                 text NOT NULL DEFAULT 'de',
    status_display       text GENERATED ALWAYS AS (public.status_caption(status_id, lang)) STORED,
    CONSTRAINT locations_pkey1 PRIMARY KEY (id),
    CONSTRAINT locations_xmlid_key UNIQUE (xmlid),
    CONSTRAINT locations_lang_check CHECK (lang IN ('de', 'en', 'cz'))
);
CREATE INDEX idx_locations_img_id ON public.locations (img_id);

CREATE TABLE public.participants (
    id             serial,
    xmlid          text,
    name           text NOT NULL,
    age            integer,
    city           text,
    country_id     text,
    cimg           text,
    description    text,
    event_xmlid    text,
    type           text,
    version_id     text,
    status_id      integer,
    created_at     timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at     text,
    is_user        boolean DEFAULT false,
    lang           text NOT NULL DEFAULT 'de',
    status_display text GENERATED ALWAYS AS (public.status_caption(status_id, lang)) STORED,
    CONSTRAINT participants_pkey1 PRIMARY KEY (id),
    CONSTRAINT participants_xmlid_key UNIQUE (xmlid),
    CONSTRAINT participants_lang_check CHECK (lang IN ('de', 'en', 'cz'))
);


-- ---------------------------------------------------------------------------
-- Content
-- ---------------------------------------------------------------------------

-- posts and events render status_display in German regardless of the row's lang,
-- unlike the person tables (platform behaviour, kept).
CREATE TABLE public.posts (
    id                serial,
    xmlid             text,
    name              text,
    subtitle          text,
    teaser            text,
    author_id         text,
    blog_id           text,
    tag_ids           text,
    website_published text,
    is_published      text,
    post_date         text,
    cover_properties  text,
    event_xmlid       text,
    cimg              text,
    version_id        text,
    created_at        timestamp without time zone,
    updated_at        text,
    status            text,
    isbase            integer DEFAULT 0,
    template          text,
    public_user       integer,
    header_type       text,
    md                text,
    html              text,
    status_id         integer,
    lang              text DEFAULT 'de',
    tags_ids          integer[] DEFAULT '{}',
    tags_display      text[] DEFAULT '{}',
    project_id        integer,
    regio_id          integer,
    img_id            integer,
    img_show          boolean DEFAULT false,
    img_thumb         jsonb,
    img_square        jsonb,
    img_wide          jsonb,
    img_vert          jsonb,
    status_display    text GENERATED ALWAYS AS (public.status_caption(status_id, 'de')) STORED,
    CONSTRAINT posts_pkey1 PRIMARY KEY (id),
    CONSTRAINT posts_xmlid_key UNIQUE (xmlid),
    CONSTRAINT posts_lang_check CHECK (lang IN ('de', 'en', 'cz'))
);
CREATE INDEX idx_posts_img_id ON public.posts (img_id);

-- date_begin/date_end/updated_at are text on the platform and stay text, so values
-- round-trip without timestamp normalisation.
CREATE TABLE public.events (
    id             serial,
    xmlid          text,
    name           text,
    date_begin     text,
    date_end       text,
    address_id     text,
    user_id        integer,
    seats_max      integer,
    cimg           text,
    header_type    text,
    rectitle       text,
    teaser         text,
    version_id     text,
    created_at     timestamp without time zone,
    updated_at     text,
    status         text,
    isbase         integer DEFAULT 0,
    template       text,
    public_user    integer,
    location       integer,
    event_type     text,
    md             text,
    html           text,
    status_id      integer,
    lang           text DEFAULT 'de',
    tags_ids       integer[] DEFAULT '{}',
    tags_display   text[] DEFAULT '{}',
    project_id     integer,
    regio_id       integer,
    img_id         integer,
    img_show       boolean DEFAULT false,
    img_thumb      jsonb,
    img_square     jsonb,
    img_wide       jsonb,
    img_vert       jsonb,
    status_display text GENERATED ALWAYS AS (public.status_caption(status_id, 'de')) STORED,
    CONSTRAINT events_pkey1 PRIMARY KEY (id),
    CONSTRAINT events_xmlid_key UNIQUE (xmlid),
    CONSTRAINT events_lang_check CHECK (lang IN ('de', 'en', 'cz'))
);
CREATE INDEX idx_events_img_id ON public.events (img_id);

CREATE TABLE public.interactions (
    id          serial,
    user_id     integer,
    name        text NOT NULL,
    project_id  integer,
    "timestamp" timestamp without time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
    status_id   integer NOT NULL,
    actions     jsonb,
    to_mail     text,
    from_mail   text,
    subject     text,
    md          text,
    fields      jsonb,
    CONSTRAINT interactions_pkey PRIMARY KEY (id)
);
CREATE INDEX idx_interactions_name       ON public.interactions (name);
CREATE INDEX idx_interactions_project_id ON public.interactions (project_id);
CREATE INDEX idx_interactions_status_id  ON public.interactions (status_id);
CREATE INDEX idx_interactions_timestamp  ON public.interactions ("timestamp" DESC);
CREATE INDEX idx_interactions_user_id    ON public.interactions (user_id);

-- Careful: on pages the *_has_content flags are TRUE when the options are EMPTY - the
-- opposite of projects. The platform shipped it that way and exported data carries it.
CREATE TABLE public.pages (
    id                 text DEFAULT gen_random_uuid()::text NOT NULL,
    project            integer NOT NULL,
    header_type        text DEFAULT 'simple',
    page_type          text NOT NULL,
    created_at         timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at         timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    page_options       jsonb DEFAULT '{}',
    header_options     jsonb DEFAULT '{}',
    aside_options      jsonb DEFAULT '{}',
    footer_options     jsonb DEFAULT '{}',
    page_has_content   boolean GENERATED ALWAYS AS (coalesce(page_options::text, '{}') = '{}') STORED,
    aside_has_content  boolean GENERATED ALWAYS AS (coalesce(aside_options::text, '{}') = '{}') STORED,
    header_has_content boolean GENERATED ALWAYS AS (coalesce(header_options::text, '{}') = '{}') STORED,
    footer_has_content boolean GENERATED ALWAYS AS (coalesce(footer_options::text, '{}') = '{}') STORED,
    CONSTRAINT pages_pkey PRIMARY KEY (id),
    CONSTRAINT pages_header_type_check CHECK (header_type IN ('simple', 'columns', 'banner', 'cover', 'bauchbinde')),
    CONSTRAINT pages_page_type_check CHECK (page_type IN ('landing', 'event', 'post', 'team'))
);
CREATE INDEX idx_pages_project ON public.pages (project);

-- The id is supplied by the application (nanoid or uuid); there is intentionally no default.
CREATE TABLE public.tasks (
    id             text NOT NULL,
    name           text NOT NULL,
    description    text,
    category       text DEFAULT 'project',
    priority       text DEFAULT 'medium',
    record_type    text,
    record_id      text,
    assigned_to    text,
    created_at     timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    updated_at     text,
    due_date       text,
    completed_at   text,
    version_id     text,
    release_id     text,
    cimg           text,
    prompt         text,
    logic          text,
    filter         text,
    entity_name    text,
    -- 2 = 'idea' in the tasks section of the status seed
    status_id      integer NOT NULL DEFAULT 2,
    lang           text NOT NULL DEFAULT 'de',
    status_display text GENERATED ALWAYS AS (public.status_caption(status_id, lang)) STORED,
    CONSTRAINT tasks_pkey PRIMARY KEY (id),
    CONSTRAINT tasks_category_check CHECK (category IN ('project', 'base', 'admin', 'main')),
    CONSTRAINT tasks_lang_check CHECK (lang IN ('de', 'en', 'cz')),
    CONSTRAINT tasks_priority_check CHECK (priority IN ('low', 'medium', 'high', 'urgent'))
);
CREATE INDEX idx_tasks_category ON public.tasks (category);
CREATE INDEX idx_tasks_record   ON public.tasks (record_type, record_id);
CREATE INDEX idx_tasks_version  ON public.tasks (version_id);


-- ---------------------------------------------------------------------------
-- Junction tables
-- ---------------------------------------------------------------------------

CREATE TABLE public.project_members (
    project_id integer NOT NULL,
    user_id    integer NOT NULL,
    role       text DEFAULT 'member',
    added_at   timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT project_members_pkey PRIMARY KEY (project_id, user_id)
);
CREATE INDEX idx_project_members_project ON public.project_members (project_id);
CREATE INDEX idx_project_members_user    ON public.project_members (user_id);

-- No foreign keys on purpose: the platform has none here, and backups from it may
-- contain pairs that point at deleted events or instructors.
CREATE TABLE public.event_instructors (
    event_id      integer NOT NULL,
    instructor_id integer NOT NULL,
    added_at      timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT event_instructors_pkey1 PRIMARY KEY (event_id, instructor_id)
);
CREATE INDEX idx_event_instructors_event      ON public.event_instructors (event_id);
CREATE INDEX idx_event_instructors_instructor ON public.event_instructors (instructor_id);

CREATE TABLE public.events_tags (
    event_id   integer NOT NULL,
    tag_id     integer NOT NULL,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT events_tags_pkey PRIMARY KEY (event_id, tag_id)
);
CREATE INDEX idx_events_tags_event ON public.events_tags (event_id);
CREATE INDEX idx_events_tags_tag   ON public.events_tags (tag_id);

CREATE TABLE public.posts_tags (
    post_id    integer NOT NULL,
    tag_id     integer NOT NULL,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT posts_tags_pkey PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX idx_posts_tags_post ON public.posts_tags (post_id);
CREATE INDEX idx_posts_tags_tag  ON public.posts_tags (tag_id);


-- ---------------------------------------------------------------------------
-- Foreign keys
-- ON DELETE behaviour is the platform's, including its inconsistencies: pages.project is
-- NOT NULL yet SET NULL on delete (so a project with pages cannot be deleted), and
-- regio/owner/status references block deletion instead of clearing.
-- ---------------------------------------------------------------------------

ALTER TABLE public.sysdomains
    ADD CONSTRAINT sysdomains_tld_fkey FOREIGN KEY (tld) REFERENCES public.tlds (name);

ALTER TABLE public.domains
    ADD CONSTRAINT domains_admin_user_id_fkey FOREIGN KEY (admin_user_id) REFERENCES public.users (id) ON DELETE SET NULL,
    ADD CONSTRAINT domains_project_id_fkey    FOREIGN KEY (project_id)    REFERENCES public.projects (id) ON DELETE SET NULL,
    ADD CONSTRAINT domains_sysdomain_id_fkey  FOREIGN KEY (sysdomain_id)  REFERENCES public.sysdomains (id),
    ADD CONSTRAINT domains_tld_fkey           FOREIGN KEY (tld)           REFERENCES public.tlds (name);

ALTER TABLE public.users
    ADD CONSTRAINT users_img_id_fkey        FOREIGN KEY (img_id)        REFERENCES public.images (id) ON DELETE SET NULL,
    ADD CONSTRAINT users_instructor_id_fkey FOREIGN KEY (instructor_id) REFERENCES public.instructors (id) ON DELETE SET NULL,
    ADD CONSTRAINT users_status_id_fkey     FOREIGN KEY (status_id)     REFERENCES public.status (id);

ALTER TABLE public.images
    ADD CONSTRAINT images_owner_id_fkey   FOREIGN KEY (owner_id)   REFERENCES public.users (id) ON DELETE SET NULL,
    ADD CONSTRAINT images_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects (id) ON DELETE SET NULL;

ALTER TABLE public.projects
    ADD CONSTRAINT projects_domain_id_fkey1 FOREIGN KEY (domain_id) REFERENCES public.domains (id),
    ADD CONSTRAINT projects_img_id_fkey     FOREIGN KEY (img_id)    REFERENCES public.images (id) ON DELETE SET NULL,
    ADD CONSTRAINT projects_owner_id_fkey1  FOREIGN KEY (owner_id)  REFERENCES public.users (id),
    ADD CONSTRAINT projects_regio_fkey      FOREIGN KEY (regio)     REFERENCES public.projects (id),
    ADD CONSTRAINT projects_status_id_fkey  FOREIGN KEY (status_id) REFERENCES public.status (id);

ALTER TABLE public.instructors
    ADD CONSTRAINT instructors_img_id_fkey    FOREIGN KEY (img_id)    REFERENCES public.images (id) ON DELETE SET NULL,
    ADD CONSTRAINT instructors_status_id_fkey FOREIGN KEY (status_id) REFERENCES public.status (id);

ALTER TABLE public.locations
    ADD CONSTRAINT locations_img_id_fkey     FOREIGN KEY (img_id)     REFERENCES public.images (id) ON DELETE SET NULL,
    ADD CONSTRAINT locations_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects (id) ON DELETE SET NULL,
    ADD CONSTRAINT locations_status_id_fkey  FOREIGN KEY (status_id)  REFERENCES public.status (id);

ALTER TABLE public.participants
    ADD CONSTRAINT participants_status_id_fkey FOREIGN KEY (status_id) REFERENCES public.status (id);

ALTER TABLE public.posts
    ADD CONSTRAINT posts_img_id_fkey       FOREIGN KEY (img_id)      REFERENCES public.images (id) ON DELETE SET NULL,
    ADD CONSTRAINT posts_project_id_fkey   FOREIGN KEY (project_id)  REFERENCES public.projects (id) ON DELETE SET NULL,
    ADD CONSTRAINT posts_public_user_fkey1 FOREIGN KEY (public_user) REFERENCES public.instructors (id) ON DELETE SET NULL,
    ADD CONSTRAINT posts_regio_id_fkey     FOREIGN KEY (regio_id)    REFERENCES public.projects (id),
    ADD CONSTRAINT posts_status_id_fkey1   FOREIGN KEY (status_id)   REFERENCES public.status (id);

ALTER TABLE public.events
    ADD CONSTRAINT events_img_id_fkey       FOREIGN KEY (img_id)      REFERENCES public.images (id) ON DELETE SET NULL,
    ADD CONSTRAINT events_location_fkey1    FOREIGN KEY (location)    REFERENCES public.locations (id) ON DELETE SET NULL,
    ADD CONSTRAINT events_project_id_fkey   FOREIGN KEY (project_id)  REFERENCES public.projects (id) ON DELETE SET NULL,
    ADD CONSTRAINT events_public_user_fkey1 FOREIGN KEY (public_user) REFERENCES public.instructors (id) ON DELETE SET NULL,
    ADD CONSTRAINT events_regio_id_fkey     FOREIGN KEY (regio_id)    REFERENCES public.projects (id),
    ADD CONSTRAINT events_status_id_fkey1   FOREIGN KEY (status_id)   REFERENCES public.status (id),
    ADD CONSTRAINT events_user_id_fkey      FOREIGN KEY (user_id)     REFERENCES public.users (id) ON DELETE SET NULL;

ALTER TABLE public.interactions
    ADD CONSTRAINT interactions_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects (id) ON DELETE SET NULL,
    ADD CONSTRAINT interactions_status_id_fkey  FOREIGN KEY (status_id)  REFERENCES public.status (id),
    ADD CONSTRAINT interactions_user_id_fkey    FOREIGN KEY (user_id)    REFERENCES public.users (id) ON DELETE SET NULL;

ALTER TABLE public.pages
    ADD CONSTRAINT pages_project_fkey FOREIGN KEY (project) REFERENCES public.projects (id) ON DELETE SET NULL;

ALTER TABLE public.tasks
    ADD CONSTRAINT tasks_status_id_fkey FOREIGN KEY (status_id) REFERENCES public.status (id);

ALTER TABLE public.project_members
    ADD CONSTRAINT project_members_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects (id) ON DELETE CASCADE,
    ADD CONSTRAINT project_members_user_id_fkey    FOREIGN KEY (user_id)    REFERENCES public.users (id) ON DELETE CASCADE;

ALTER TABLE public.events_tags
    ADD CONSTRAINT events_tags_event_id_fkey FOREIGN KEY (event_id) REFERENCES public.events (id) ON DELETE CASCADE,
    ADD CONSTRAINT events_tags_tag_id_fkey   FOREIGN KEY (tag_id)   REFERENCES public.tags (id) ON DELETE CASCADE;

ALTER TABLE public.posts_tags
    ADD CONSTRAINT posts_tags_post_id_fkey FOREIGN KEY (post_id) REFERENCES public.posts (id) ON DELETE CASCADE,
    ADD CONSTRAINT posts_tags_tag_id_fkey  FOREIGN KEY (tag_id)  REFERENCES public.tags (id) ON DELETE CASCADE;
