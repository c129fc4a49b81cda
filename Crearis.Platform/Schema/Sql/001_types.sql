-- 001_types.sql
-- Enum and composite types of the Crearis platform schema.
--
-- The backup engine exchanges enum values as their text labels and composite values as
-- PostgreSQL row literals, so label order and attribute order/types must match the
-- platform byte for byte; a reordered attribute would silently shift fields on import.

CREATE TYPE public.embed_file_type AS ENUM (
    'pptx', 'pdf',
    'mp4', 'webm', 'mov', 'avi', 'mkv',
    'mp3', 'wav', 'ogg', 'flac', 'm4a', 'aac'
);

CREATE TYPE public.image_file_type AS ENUM (
    'none', 'jpeg', 'webp', 'avif', 'svg', 'gif', 'png'
);

CREATE TYPE public.media_adapter_type AS ENUM (
    'unsplash', 'cloudinary', 'canva', 'msteams', 'vimeo', 'youtube', 'cloudflare',
    'signal', 'instagram', 'obsidian', 'crearis', 'odoo', 'pruvious'
);

CREATE TYPE public.media_licence AS ENUM (
    'undefined',
    'BY', 'BY-SA', 'BY-ND', 'BY-NC', 'BY-NC-SA', 'CC0', 'BY-ND-NC', 'BY-ND-NC-ND',
    'unsplash', 'commercial', 'private'
);

CREATE TYPE public.shape_opt_type AS ENUM (
    'param', 'json', 'url'
);

-- Crop/focus description of one image format (wide, square, vertical, thumb).
-- blur keeps its varchar(50) limit so over-long values fail here as they do on the platform.
CREATE TYPE public.image_shape AS (
    x    numeric,
    y    numeric,
    z    numeric,
    url  text,
    json jsonb,
    blur varchar(50),
    turl text,
    tpar text
);

-- Lineage of derived images; root resolution only follows parent_id.
CREATE TYPE public.image_variation AS (
    parent_id  integer,
    alike_ids  integer[],
    release_id integer,
    info       text
);

-- Where a media item lives on an external service (author / producer / publisher roles).
CREATE TYPE public.media_adapter AS (
    adapter    public.media_adapter_type,
    file_id    text,
    account_id text,
    folder_id  text,
    info       text,
    config     jsonb
);
