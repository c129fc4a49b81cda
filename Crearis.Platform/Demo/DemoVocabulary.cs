namespace Crearis.Platform.Demo;

/// <summary>
/// Word lists for the demo data generator. All of it is invented for the demo: German, Austrian and Czech
/// theatre-education vocabulary with umlauts, ß and Czech diacritics on purpose (the backup must round-trip them).
/// </summary>
internal static class DemoVocabulary
{
    public static readonly string[] FirstNames =
    [
        "Lena", "Maximilian", "Sophie", "Jakob", "Hannah", "Elias", "Marie", "Felix", "Clara", "Quirin",
        "Theresa", "Korbinian", "Franziska", "Valentin", "Leonie", "Benedikt", "Magdalena", "Sebastian", "Johanna", "Florian",
        "Veronika", "Matthäus", "Rosa", "Vinzenz", "Agnes", "Lorenz", "Elif", "Deniz", "Jörg", "Bärbel",
        "Günther", "Ursula", "Jürgen", "Dörte", "Björn", "Grete", "Ömer", "Zoë", "Anna-Lena", "Karl-Heinz",
        "Tereza", "Jiří", "Kateřina", "Tomáš", "Eliška", "Matěj", "Barbora", "Ondřej", "Lucie", "Vojtěch",
        "Markéta", "Přemysl", "Šárka", "Radek", "Zuzana", "Dušan", "Milena", "Luděk", "Irena", "Václav",
        "Amira", "Noah", "Mia", "Luca",
    ];

    public static readonly string[] LastNames =
    [
        "Huber", "Bauer", "Wimmer", "Gruber", "Schwaiger", "Obermaier", "Kreuzer", "Pichler", "Stadler", "Brunner",
        "Hofbauer", "Lechner", "Zöllner", "Mößmer", "Fußeder", "Weißgerber", "Großkopf", "Schäfer", "Müller", "Köhler",
        "Brückl", "Hölzl", "Rösch", "Dürr", "Jäger", "Ströbel", "Kießling", "Zach", "Rauscher", "Eder",
        "Seidl", "Forster", "Hinterberger", "Aigner", "Wallner", "Reiter", "Steiner", "Haas", "Sommer", "Winkler",
        "Krämer", "Vogl", "Demir", "Yılmaz", "Kowalski", "Nguyen", "Rossi", "Petrović", "Haider", "Fink",
        "Dvořák", "Novotná", "Svoboda", "Černý", "Procházková", "Kučera", "Veselá", "Horák", "Němec", "Pokorná",
        "Marek", "Růžička", "Beneš", "Fiala", "Šťastná", "Kříž", "Jelínek", "Havlíček", "Urbanová", "Sedláček",
        "Hájek", "Bartoš", "Kratochvíl", "Zeman", "Doležal",
    ];

    /// <summary>City, zip (text, numeric-looking, sometimes with a leading zero or a space), country code, phone prefix.</summary>
    public static readonly (string City, string Zip, string Country, string Phone)[] Cities =
    [
        ("Landshut", "84028", "de", "0871"), ("Regensburg", "93047", "de", "0941"), ("Passau", "94032", "de", "0851"),
        ("Straubing", "94315", "de", "09421"), ("Rosenheim", "83022", "de", "08031"), ("Ingolstadt", "85049", "de", "0841"),
        ("Würzburg", "97070", "de", "0931"), ("Bamberg", "96047", "de", "0951"), ("Fürth", "90762", "de", "0911"),
        ("Erlangen", "91054", "de", "09131"), ("Kempten", "87435", "de", "0831"), ("Lindau", "88131", "de", "08382"),
        ("Traunstein", "83278", "de", "0861"), ("Weißenburg", "91781", "de", "09141"), ("Görlitz", "02826", "de", "03581"),
        ("Zittau", "02763", "de", "03583"), ("Leipzig", "04109", "de", "0341"), ("Chemnitz", "09111", "de", "0371"),
        ("Bautzen", "02625", "de", "03591"), ("Plauen", "08523", "de", "03741"), ("Hof", "95028", "de", "09281"),
        ("Salzburg", "5020", "at", "0662"), ("Linz", "4020", "at", "0732"), ("Innsbruck", "6020", "at", "0512"),
        ("Kufstein", "6330", "at", "05372"), ("Plzeň", "301 00", "cz", "+420 377"), ("České Budějovice", "370 01", "cz", "+420 386"),
        ("Cheb", "350 02", "cz", "+420 354"), ("Karlovy Vary", "360 01", "cz", "+420 353"), ("Brno", "602 00", "cz", "+420 542"),
        ("Ústí nad Labem", "400 01", "cz", "+420 475"), ("Český Krumlov", "381 01", "cz", "+420 380"),
    ];

    public static readonly string[] Streets =
    [
        "Ländgasse", "Schloßberg", "Am Mühlbach", "Färbergasse", "Grüner Markt", "Brückenstraße", "Theaterplatz", "Kulturhof",
        "Alte Spinnerei", "Hafenstraße", "Zeughausgasse", "Schulstraße", "Klosterhof", "Bahnhofstraße", "Am Stadtpark",
        "náměstí Republiky", "Pražská", "Divadelní", "Školní", "Husova", "Žižkova",
    ];

    /// <summary>Region slugs (ASCII, domaincode-safe) and display names for regio projects.</summary>
    public static readonly (string Code, string Name)[] Regions =
    [
        ("niederbayern", "Niederbayern"), ("oberpfalz", "Oberpfalz"), ("allgaeu", "Allgäu"), ("franken", "Franken"),
        ("chiemgau", "Chiemgau"), ("lausitz", "Lausitz"), ("erzgebirge", "Erzgebirge"), ("vogtland", "Vogtland"),
        ("westboehmen", "Westböhmen"), ("suedboehmen", "Südböhmen"), ("salzkammergut", "Salzkammergut"), ("tirol", "Tirol"),
        ("bodensee", "Bodensee"), ("altmuehltal", "Altmühltal"), ("innviertel", "Innviertel"), ("sumava", "Šumava"),
    ];

    /// <summary>Project kinds: domaincode prefix, display prefix, project type.</summary>
    public static readonly (string Code, string Name, string Type)[] ProjectKinds =
    [
        ("theater", "Freies Theater", "project"), ("jugendclub", "Jugendclub", "project"), ("kinderzirkus", "Kinderzirkus", "project"),
        ("spielraum", "Spielraum", "project"), ("ensemble", "Ensemble", "project"), ("werkstatt", "Theaterwerkstatt", "project"),
        ("kollektiv", "Kollektiv", "project"), ("figurenbuehne", "Figurenbühne", "project"), ("tanzlabor", "Tanzlabor", "project"),
        ("buergerbuehne", "Bürgerbühne", "project"), ("schultheater", "Schultheater", "special"), ("kulturhaus", "Kulturhaus", "location"),
        ("spielstaette", "Spielstätte", "location"), ("praxisfeld", "Praxisfeld", "topic"), ("methodenlabor", "Methodenlabor", "topic"),
        ("divadlo", "Divadlo", "project"),
    ];

    public static readonly (string Slug, string De, string En, string Cz)[] Tags =
    [
        ("improtheater", "Improtheater", "Improv theatre", "Improvizace"),
        ("maskenspiel", "Maskenspiel", "Mask work", "Maskové divadlo"),
        ("schattentheater", "Schattentheater", "Shadow theatre", "Stínové divadlo"),
        ("puppenspiel", "Puppenspiel", "Puppet play", "Loutkohra"),
        ("sprechtheater", "Sprechtheater", "Spoken theatre", "Činohra"),
        ("musiktheater", "Musiktheater", "Music theatre", "Hudební divadlo"),
        ("bewegungstheater", "Bewegungstheater", "Physical theatre", "Pohybové divadlo"),
        ("biografisches_theater", "Biografisches Theater", "Biographical theatre", "Biografické divadlo"),
        ("stimmbildung", "Stimmbildung", "Voice training", "Hlasová výchova"),
        ("buehnenkampf", "Bühnenkampf", "Stage combat", "Jevištní šerm"),
        ("inklusion", "Inklusion", "Inclusion", "Inkluze"),
        ("kinder", "Kinder", "Children", "Děti"),
        ("jugend", "Jugend", "Youth", "Mládež"),
        ("erwachsene", "Erwachsene", "Adults", "Dospělí"),
        ("senioren", "Senior:innen", "Seniors", "Senioři"),
        ("familie", "Familie", "Family", "Rodina"),
        ("schule", "Schule", "School", "Škola"),
        ("open_air", "Open Air", "Open air", "Pod širým nebem"),
        ("lesung", "Lesung", "Reading", "Čtení"),
        ("gastspiel", "Gastspiel", "Guest performance", "Hostování"),
        ("premiere", "Premiere", "Opening night", "Premiéra"),
        ("ferienprogramm", "Ferienprogramm", "Holiday programme", "Prázdninový program"),
        ("fortbildung", "Fortbildung", "Further training", "Další vzdělávání"),
        ("zirkuspaedagogik", "Zirkuspädagogik", "Circus education", "Cirkusová pedagogika"),
        ("playback_theater", "Playback-Theater", "Playback theatre", "Playback divadlo"),
        ("commedia", "Commedia dell'arte", "Commedia dell'arte", "Commedia dell'arte"),
        ("deutsch_tschechisch", "Deutsch-tschechisch", "German-Czech", "Česko-německý"),
        ("barrierefrei", "Barrierefrei", "Accessible", "Bezbariérový"),
        ("sprechchor", "Sprechchor", "Speaking choir", "Mluvený sbor"),
        ("figurenbau", "Figurenbau", "Puppet making", "Výroba loutek"),
        ("theaterpaedagogik_plus", "Theaterpädagogik+", "Drama education+", "Dramatická výchova+"),
        ("straßentheater", "Straßentheater", "Street theatre", "Pouliční divadlo"),
    ];

    public static readonly (string Slug, string De, string En)[] TagQualifiers =
    [
        ("einsteiger", "Einsteiger", "beginners"), ("fortgeschritten", "Fortgeschrittene", "advanced"), ("online", "online", "online"),
        ("sommer", "Sommer", "summer"), ("winter", "Winter", "winter"), ("regional", "regional", "regional"),
        ("international", "international", "international"), ("praxis", "Praxis", "practice"), ("werkstatt", "Werkstatt", "workshop"),
        ("wochenende", "Wochenende", "weekend"), ("intensiv", "intensiv", "intensive"), ("mehrsprachig", "mehrsprachig", "multilingual"),
    ];

    /// <summary>Play titles (public-domain classics and generic titles) with a slug.</summary>
    public static readonly (string Slug, string Title)[] Plays =
    [
        ("raeuber", "Die Räuber"), ("kabale", "Kabale und Liebe"), ("krug", "Der zerbrochne Krug"), ("nathan", "Nathan der Weise"),
        ("leonce", "Leonce und Lena"), ("minna", "Minna von Barnhelm"), ("emilia", "Emilia Galotti"), ("stuart", "Maria Stuart"),
        ("sommernacht", "Ein Sommernachtstraum"), ("sturm", "Der Sturm"), ("antigone", "Antigone"), ("peer", "Peer Gynt"),
        ("rur", "R.U.R. – Rossumovi univerzální roboti"), ("revisor", "Der Revisor"), ("moewe", "Die Möwe"), ("faust", "Faust. Der Tragödie erster Teil"),
        ("lysistrata", "Lysistrata"), ("tell", "Wilhelm Tell"), ("hexe", "Die kleine Hexe (frei nach Motiven)"), ("schwejk", "Švejk – ein Soldatenleben"),
        ("nora", "Nora oder Ein Puppenheim"), ("tartuffe", "Tartuffe"), ("wildente", "Die Wildente"), ("lumpazi", "Lumpazivagabundus"),
    ];

    public static readonly (string Slug, string Title)[] Skills =
    [
        ("impro", "Improvisation"), ("stimme", "Stimme und Atem"), ("maske", "Maskenspiel"), ("kampf", "Bühnenkampf"),
        ("clown", "Clownerie und Komik"), ("biografie", "Biografisches Theater"), ("schatten", "Schattentheater"), ("chor", "Sprechchor"),
        ("koerper", "Körper und Raum"), ("commedia", "Commedia dell'arte"), ("playback", "Playback-Theater"), ("figuren", "Figurenbau & Spiel"),
        ("licht", "Licht, Ton & Technik"), ("regie", "Regie für Einsteiger:innen"), ("text", "Texte schreiben – Szenen bauen"), ("jonglage", "Jonglage & Akrobatik"),
    ];

    public static readonly string[] Audiences =
    [
        "Kinder (6–10)", "Kinder ab 8", "Jugendliche (13–17)", "junge Erwachsene", "Erwachsene", "Senior:innen", "Familien", "Lehrkräfte",
        "Erzieher:innen", "děti a rodiče", "alle Generationen",
    ];

    public static readonly string[] EventTypes = ["performance", "workshop", "course", "rehearsal", "tour", "festival", "reading", "lab"];

    public static readonly (string Slug, string Title)[] PostTopics =
    [
        ("probenbericht", "Probenbericht"), ("rueckblick", "Rückblick"), ("spielplan", "Spielplan"), ("ausschreibung", "Ausschreibung"),
        ("foerderung", "Förderung bewilligt"), ("mitspielende", "Mitspielende gesucht"), ("interview", "Interview"), ("premierenfieber", "Premierenfieber"),
        ("technik", "Hinter der Bühne"), ("kooperation", "Neue Kooperation"), ("fotostrecke", "Fotostrecke"), ("presse", "Pressestimmen"),
        ("novinky", "Novinky z divadla"), ("saisonstart", "Saisonstart"), ("danke", "Danke an alle Helfer:innen"),
    ];

    public static readonly string[] Sentences =
    [
        "Wir proben jeden Dienstag ab 18 Uhr im großen Saal.",
        "Die Teilnahme ist kostenlos, eine Anmeldung ist aber nötig.",
        "Gefördert vom Bezirk und der örtlichen Sparkassenstiftung.",
        "Bitte bequeme Kleidung und Getränke mitbringen.",
        "Das Stück wird in einer gekürzten Fassung für junges Publikum gezeigt.",
        "Nach der Vorstellung laden wir zum Publikumsgespräch ein.",
        "Der Zugang zum Saal ist barrierefrei über den Hof möglich.",
        "Übernachtung in der Jugendherberge ist organisiert.",
        "Die Gruppe freut sich über neue Gesichter – Vorkenntnisse sind nicht nötig.",
        "Představení se hraje česky s německými titulky.",
        "Workshop probíhá v češtině a němčině.",
        "Großartige Stimmung, volle Ränge, tosender Applaus!",
        "Die Kostüme wurden in der eigenen Werkstatt genäht.",
        "Für Schulklassen gibt es Vormittagsvorstellungen um 10:00 Uhr.",
        "Spenden für den neuen Scheinwerfer sind willkommen.",
        "Treffpunkt ist das Foyer, 15 Minuten vor Beginn.",
        "Mit dabei: 14 Spieler:innen zwischen 9 und 77 Jahren.",
        "Die Generalprobe ist öffentlich – Eintritt frei.",
        "We also welcome English-speaking participants.",
        "Karten gibt es an der Abendkasse (12 €, ermäßigt 8 €).",
    ];

    public static readonly string[] ImageSubjects =
    [
        "Probebühne", "Ensemblefoto", "Premierenapplaus", "Bühnenbild", "Kostümprobe", "Maskenwerkstatt", "Foyer", "Zuschauerraum",
        "Schattenspiel", "Zirkuszelt", "Straßenfest", "Lichtprobe", "Plakat", "Workshop-Kreis", "Aufwärmspiel", "Vorhang",
        "Jeviště", "Hlediště",
    ];

    public static readonly string[] MailProviders = ["gmx.de", "web.de", "posteo.de", "mailbox.org", "seznam.cz", "gmail.com", "outlook.com", "t-online.de", "centrum.cz", "aon.at"];

    public static readonly string[] InteractionNames = ["contact_form", "event_registration", "newsletter_signup", "membership_request", "feedback", "ticket_order"];

    public static readonly string[] TaskVerbs =
    [
        "Flyer drucken", "Pressetext schreiben", "Fotos freigeben", "Technik klären", "Raum reservieren", "Fördernachweis einreichen",
        "Übersetzung ins Tschechische", "Programmheft layouten", "Kostüme waschen", "Elternbrief verschicken", "Impressum prüfen",
        "Probenplan aktualisieren", "Barrierefreiheit prüfen", "GEMA-Meldung", "Abrechnung Honorare",
    ];
}
