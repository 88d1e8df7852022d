"""The demo territory: Lyon, its neighbourhoods and streets, three associations, and the word
lists the loader draws from.

Streets, neighbourhoods and public places are real; every person is invented from common
French first and last names. Coordinates are approximate centres of each neighbourhood; the
loader scatters homes a few hundred metres around them.
"""

from dataclasses import dataclass, field

CITY = "Lyon"
TERRITORY = "Métropole de Lyon"
DEMO_DOMAIN = "exemple.fr"
DEMO_PASSWORD = "liens-demo"


@dataclass(frozen=True)
class Neighbourhood:
    key: str
    name: str
    postcode: str
    latitude: float
    longitude: float
    streets: tuple[str, ...]
    # Half-widths of the box homes are scattered in (degrees): about 400 m each way.
    spread_lat: float = 0.0035
    spread_lon: float = 0.0045


NEIGHBOURHOODS: dict[str, Neighbourhood] = {
    n.key: n
    for n in [
        Neighbourhood(
            "pentes",
            "Pentes de la Croix-Rousse",
            "69001",
            45.7712,
            4.8322,
            (
                "Rue Burdeau",
                "Montée de la Grande-Côte",
                "Rue des Tables-Claudiennes",
                "Rue René Leynaud",
                "Rue d'Algérie",
                "Rue Imbert-Colomès",
                "Rue Bouteille",
                "Rue Pouteau",
                "Rue Romarin",
            ),
            spread_lat=0.0025,
            spread_lon=0.0035,
        ),
        Neighbourhood(
            "plateau",
            "Plateau de la Croix-Rousse",
            "69004",
            45.7790,
            4.8275,
            (
                "Boulevard de la Croix-Rousse",
                "Grande Rue de la Croix-Rousse",
                "Rue d'Austerlitz",
                "Rue Henri Gorjus",
                "Rue Dumenge",
                "Rue Jacquard",
                "Rue du Mail",
                "Rue Chazière",
                "Rue Belfort",
                "Rue d'Ivry",
                "Rue Hénon",
                "Rue de Cuire",
            ),
        ),
        Neighbourhood(
            "vieux_lyon",
            "Vieux Lyon – Saint-Just",
            "69005",
            45.7605,
            4.8255,
            (
                "Rue Saint-Jean",
                "Rue du Bœuf",
                "Montée du Gourguillon",
                "Rue des Farges",
                "Rue de Trion",
                "Rue Juiverie",
                "Quai Fulchiron",
            ),
            spread_lat=0.0030,
            spread_lon=0.0025,
        ),
        Neighbourhood(
            "point_du_jour",
            "Point du Jour",
            "69005",
            45.7590,
            4.7960,
            (
                "Avenue du Point du Jour",
                "Rue Joliot-Curie",
                "Rue des Aqueducs",
                "Avenue de Ménival",
                "Rue Docteur Edmond Locard",
            ),
        ),
        Neighbourhood(
            "vaise",
            "Vaise",
            "69009",
            45.7740,
            4.8050,
            (
                "Rue de Bourgogne",
                "Grande Rue de Vaise",
                "Rue Marietton",
                "Rue Saint-Pierre de Vaise",
                "Quai Arloing",
                "Rue Sergent Michel Berthet",
                "Rue du Bourbonnais",
                "Rue de la Claire",
            ),
        ),
        Neighbourhood(
            "duchere",
            "La Duchère",
            "69009",
            45.7862,
            4.7955,
            ("Avenue du Plateau", "Boulevard de la Duchère", "Avenue Rosa Parks", "Avenue Andreï Sakharov"),
            spread_lat=0.0030,
            spread_lon=0.0035,
        ),
        Neighbourhood(
            "ainay",
            "Ainay",
            "69002",
            45.7535,
            4.8280,
            (
                "Rue Sala",
                "Rue d'Auvergne",
                "Rue Franklin",
                "Rue Vaubecour",
                "Rue Victor Hugo",
                "Rue Sainte-Hélène",
                "Rue Boissac",
                "Rue des Remparts d'Ainay",
            ),
            spread_lat=0.0030,
            spread_lon=0.0025,
        ),
        Neighbourhood(
            "confluence",
            "Confluence",
            "69002",
            45.7425,
            4.8185,
            (
                "Cours Charlemagne",
                "Rue Smith",
                "Quai Perrache",
                "Rue Denuzière",
                "Rue Casimir Périer",
                "Cours Bayard",
                "Rue Delandine",
            ),
            spread_lat=0.0040,
            spread_lon=0.0025,
        ),
        Neighbourhood(
            "guillotiere",
            "La Guillotière",
            "69007",
            45.7530,
            4.8430,
            (
                "Grande Rue de la Guillotière",
                "Rue Sébastien Gryphe",
                "Rue de Marseille",
                "Rue Pasteur",
                "Cours Gambetta",
                "Rue Béchevelin",
                "Rue d'Aguesseau",
                "Rue Montesquieu",
                "Rue Salomon Reinach",
            ),
        ),
        Neighbourhood(
            "jean_mace",
            "Jean Macé",
            "69007",
            45.7455,
            4.8420,
            (
                "Avenue Berthelot",
                "Rue Chevreul",
                "Rue Jaboulay",
                "Rue Jangot",
                "Rue de l'Université",
                "Rue Bancel",
                "Rue Père Chevrier",
                "Rue de la Thibaudière",
            ),
        ),
        Neighbourhood(
            "gerland",
            "Gerland",
            "69007",
            45.7310,
            4.8335,
            (
                "Avenue Jean Jaurès",
                "Rue de Gerland",
                "Avenue Tony Garnier",
                "Rue Challemel-Lacour",
                "Rue Crépet",
                "Rue du Vercors",
                "Rue Marcel Mérieux",
            ),
            spread_lat=0.0045,
        ),
        Neighbourhood(
            "part_dieu",
            "Part-Dieu",
            "69003",
            45.7600,
            4.8570,
            (
                "Rue Garibaldi",
                "Rue de Bonnel",
                "Rue Servient",
                "Cours Lafayette",
                "Rue Moncey",
                "Rue Paul Bert",
                "Rue de la Part-Dieu",
                "Rue Duguesclin",
            ),
        ),
        Neighbourhood(
            "sans_souci",
            "Sans-Souci – Dauphiné",
            "69003",
            45.7495,
            4.8655,
            (
                "Cours Albert Thomas",
                "Avenue Lacassagne",
                "Rue Feuillat",
                "Rue du Dauphiné",
                "Rue Trarieux",
                "Rue Maurice Flandin",
            ),
        ),
        Neighbourhood(
            "montchat",
            "Montchat",
            "69003",
            45.7565,
            4.8890,
            ("Cours du Docteur Long", "Rue Charles Richard", "Rue Ferdinand Buisson", "Rue Bonnand", "Rue de la Balme"),
        ),
        Neighbourhood(
            "brotteaux",
            "Brotteaux",
            "69006",
            45.7685,
            4.8525,
            (
                "Boulevard des Belges",
                "Cours Vitton",
                "Rue Tronchet",
                "Rue Bossuet",
                "Rue Cuvier",
                "Rue Créqui",
                "Rue Sully",
                "Rue Juliette Récamier",
                "Cours Franklin Roosevelt",
                "Avenue Maréchal Foch",
            ),
        ),
        Neighbourhood(
            "monplaisir",
            "Monplaisir",
            "69008",
            45.7440,
            4.8720,
            (
                "Avenue des Frères Lumière",
                "Rue Bataille",
                "Rue Saint-Maurice",
                "Rue du Premier Film",
                "Place Ambroise Courtois",
                "Rue Antoine Lumière",
                "Rue Saint-Gervais",
                "Rue Laënnec",
                "Rue Villon",
            ),
        ),
        Neighbourhood(
            "mermoz",
            "Mermoz – États-Unis",
            "69008",
            45.7320,
            4.8720,
            (
                "Boulevard des États-Unis",
                "Rue Professeur Beauvisage",
                "Avenue Paul Santy",
                "Avenue Jean Mermoz",
                "Rue Marius Berliet",
                "Rue Maryse Bastié",
                "Route de Vienne",
            ),
            spread_lat=0.0045,
        ),
    ]
}


@dataclass(frozen=True)
class AssociationSpec:
    name: str
    siret: str
    rna: str
    address: str
    postcode: str
    latitude: float
    longitude: float
    contact_email: str
    contact_phone: str
    beneficiaries: int
    # Neighbourhood keys the association covers, with weights for where its people live.
    neighbourhoods: tuple[tuple[str, int], ...]
    # Status mix for its beneficiaries (the rest are active).
    intake: int
    paused: int
    ended: int
    overdue: int
    preferences: dict = field(default_factory=dict)


ASSOCIATIONS: list[AssociationSpec] = [
    AssociationSpec(
        name="Voisins & Compagnie – Croix-Rousse",
        siret="81234567800021",
        rna="W691082345",
        address="12 rue d'Austerlitz",
        postcode="69004",
        latitude=45.7771,
        longitude=4.8302,
        contact_email="contact@voisins-compagnie.exemple.fr",
        contact_phone="04 78 29 41 07",
        beneficiaries=60,
        neighbourhoods=(
            ("plateau", 6),
            ("pentes", 4),
            ("vaise", 3),
            ("duchere", 2),
            ("vieux_lyon", 2),
            ("point_du_jour", 1),
        ),
        intake=5,
        paused=3,
        ended=1,
        overdue=6,
    ),
    AssociationSpec(
        name="Le Fil d'Argent – Lyon Sud",
        siret="",
        rna="W691095512",
        address="28 rue Sébastien Gryphe",
        postcode="69007",
        latitude=45.7512,
        longitude=4.8445,
        contact_email="bonjour@fildargent-lyon.exemple.fr",
        contact_phone="04 72 71 18 64",
        beneficiaries=35,
        neighbourhoods=(
            ("guillotiere", 4),
            ("jean_mace", 3),
            ("gerland", 3),
            ("confluence", 2),
            ("ainay", 2),
            ("part_dieu", 2),
        ),
        intake=3,
        paused=1,
        ended=1,
        overdue=4,
    ),
    AssociationSpec(
        name="Entr'Âges Monplaisir",
        siret="90215478300014",
        rna="",
        address="5 rue Saint-Maurice",
        postcode="69008",
        latitude=45.7436,
        longitude=4.8738,
        contact_email="coordination@entrages.exemple.fr",
        contact_phone="04 78 00 62 35",
        beneficiaries=25,
        neighbourhoods=(("monplaisir", 4), ("mermoz", 3), ("montchat", 2), ("sans_souci", 2), ("brotteaux", 1)),
        intake=2,
        paused=1,
        ended=0,
        overdue=3,
    ),
]


@dataclass(frozen=True)
class StaffSpec:
    email: str
    first_name: str
    last_name: str
    association: int | None  # index into ASSOCIATIONS; None for the platform admin
    role: str  # "coordinator", "manager" or "admin"
    phone: str


STAFF: list[StaffSpec] = [
    StaffSpec("admin@exemple.fr", "Bertrand", "Lacoste", None, "admin", "04 72 10 30 00"),
    StaffSpec("direction@exemple.fr", "Hélène", "Vasseur", 0, "manager", "06 71 24 58 90"),
    StaffSpec("coordination@exemple.fr", "Nadia", "Benali", 0, "coordinator", "06 12 48 73 25"),
    StaffSpec("coordination2@exemple.fr", "Julien", "Perrot", 1, "coordinator", "06 33 87 15 42"),
    StaffSpec("coordination3@exemple.fr", "Sandrine", "Guillot", 2, "coordinator", "07 81 54 26 03"),
]

# The demo volunteer everyone can sign in as, and the person she visits.
DEMO_VOLUNTEER = {
    "email": "benevole@exemple.fr",
    "first_name": "Camille",
    "last_name": "Fournier",
    "phone": "06 45 18 92 37",
    "gender": "female",
    "birth_year": 1991,
    "postcode": "69004",
    "address": "18 rue Dumenge",
    "latitude": 45.7794,
    "longitude": 4.8291,
    "travel_radius_km": "3.0",
    "interests": ["reading", "cinema", "walking", "board_games"],
    "languages": ["fr", "en"],
    "visit_kinds": ["home_visit", "phone_call", "outing"],
    "max_commitments": 2,
    # (weekday, period): Tuesday afternoon, Thursday evening, Saturday morning.
    "slots": [(1, "afternoon"), (3, "evening"), (5, "morning")],
}

DEMO_BENEFICIARY = {
    "first_name": "Jeanne",
    "last_name": "Marchand",
    "birth_year": 1935,
    "gender": "female",
    "phone": "04 78 28 63 91",
    "address": "7 rue Henri Gorjus",
    "postcode": "69004",
    "neighbourhood": "Plateau de la Croix-Rousse",
    "latitude": 45.7806,
    "longitude": 4.8262,
    "interests": ["reading", "history", "crosswords", "cinema"],
    "languages": ["fr"],
    "visitor_preference": "female",
    "access_notes": "Digicode 4512B, 3e étage sans ascenseur, porte de gauche. Sonner deux fois : elle entend mal.",
    "practical_tips": (
        "Adore parler du quartier des canuts et de son ancien métier de modiste. "
        "Apporter le journal si possible ; ne pas appeler avant 10 h."
    ),
    "best_times": "Les après-midi, après la sieste",
    "mobility_notes": "Se déplace avec une canne, ne descend plus seule les escaliers",
    "hearing_notes": "Appareillée, parler face à elle",
    "referral_source": "ccas",
    "referrer_name": "Mme Aurélie Vidal, travailleuse sociale (CCAS, antenne du 4e)",
    "referral_reason": (
        "Veuve depuis trois ans, ne sort plus depuis une chute l'hiver dernier. "
        "Dit passer des journées entières sans parler à personne."
    ),
    # Weekly visit: Tuesday at 15:00 for 1 h 30, in Camille's Tuesday afternoon slot.
    "weekday": 1,
    "local_time": (15, 0),
    "duration": 90,
}

# A second person of association 1, waiting for a Thursday evening phone call: Camille has a
# proposal for it, so the demo shows a proposal to accept.
DEMO_PHONE_BENEFICIARY = {
    "first_name": "Marcel",
    "last_name": "Girard",
    "birth_year": 1932,
    "gender": "male",
    "phone": "04 78 39 12 56",
    "address": "41 rue de Bourgogne",
    "postcode": "69009",
    "neighbourhood": "Vaise",
    "latitude": 45.7746,
    "longitude": 4.8036,
    "interests": ["sport", "news", "history"],
    "languages": ["fr"],
    "weekday": 3,
    "local_time": (18, 30),
    "duration": 30,
}

PERIODS = {
    "morning": ((9, 0), (12, 0)),
    "afternoon": ((14, 0), (18, 0)),
    "evening": ((18, 0), (21, 0)),
}

# --- Names (invented people; common French first and last names) ---------------------------

VOLUNTEER_FIRST_FEMALE = [
    "Léa", "Manon", "Chloé", "Sarah", "Inès", "Julie", "Emma", "Claire", "Sophie", "Nathalie",
    "Isabelle", "Anne", "Hélène", "Élodie", "Amélie", "Lucie", "Pauline", "Marion", "Aurélie",
    "Yasmine", "Samira", "Mélanie", "Céline", "Valérie", "Agnès", "Brigitte", "Martine",
    "Catherine", "Laure", "Margaux", "Zoé", "Clémence", "Mathilde", "Fanny", "Louise", "Anaïs",
]  # fmt: skip
VOLUNTEER_FIRST_MALE = [
    "Thomas", "Nicolas", "Julien", "Antoine", "Maxime", "Hugo", "Lucas", "Théo", "Karim",
    "Mehdi", "Youssef", "Mathieu", "Pierre", "Olivier", "Philippe", "Laurent", "Éric",
    "Patrick", "Alain", "Christophe", "Vincent", "Benoît", "Romain", "Samuel", "Bruno", "Didier",
]  # fmt: skip
VOLUNTEER_FIRST_OTHER = ["Alex", "Sacha", "Charlie", "Dominique", "Morgan"]

LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry",
    "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont",
    "Fontaine", "Chevalier", "Robin", "Masson", "Gérard", "Boyer", "Denis", "Lemaire", "Duval",
    "Joly", "Roche", "Roy", "Noël", "Meyer", "Lucas", "Meunier", "Marchal", "Dufour", "Blanchard",
    "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin", "Renard", "Arnaud",
    "Rolland", "Caron", "Aubert", "Giraud", "Vidal", "Bourgeois", "Renaud", "Lemoine", "Picard",
    "Gaillard", "Lacroix", "Fabre", "Dupuis", "Olivier", "Hubert", "Rivière", "Guillaume",
    "Moulin", "Berger", "Fleury", "Deschamps", "Carpentier", "Benoît", "Maillard", "Jacquet",
    "Collet", "Prévost", "Poirier", "Charpentier", "Royer", "Huet", "Baron", "Dupuy", "Pons",
    "Breton", "Rémy", "Guyot", "Barre", "Marty", "Cousin", "Chauvin", "Besson", "Vial", "Jourdan",
]  # fmt: skip
VOLUNTEER_EXTRA_LAST = [
    "Benali",
    "Haddad",
    "Mansouri",
    "Diallo",
    "Traoré",
    "Ferreira",
    "Nguyen",
    "Tran",
    "Kaya",
    "Cohen",
]

# Older generations, with the languages that usually go with the name.
ELDER_PROFILES = [
    # (weight, female first names, male first names, last names, extra language, chance it is required)
    (
        78,
        [
            "Jeanne", "Odette", "Simone", "Yvette", "Paulette", "Germaine", "Marcelle", "Lucienne",
            "Suzanne", "Denise", "Monique", "Jacqueline", "Colette", "Gisèle", "Huguette",
            "Madeleine", "Raymonde", "Ginette", "Georgette", "Josette", "Renée", "Andrée",
            "Marguerite", "Yvonne", "Marie-Thérèse", "Geneviève", "Nicole", "Christiane",
            "Arlette", "Micheline", "Bernadette", "Solange",
        ],
        [
            "Marcel", "Robert", "René", "Roger", "André", "Georges", "Henri", "Lucien", "Maurice",
            "Raymond", "Pierre", "Jean", "Louis", "Paul", "Gérard", "Bernard", "Jacques", "Claude",
            "Guy", "Marius", "Fernand", "Albert", "Émile", "Gilbert", "Roland",
        ],
        LAST_NAMES,
        None,
        0.0,
    ),
    (6, ["Fatima", "Aïcha", "Khadija", "Zohra", "Malika"], ["Mohamed", "Ahmed", "Salah", "Abdelkader", "Rachid"],
     ["Benali", "Haddad", "Bouzid", "Mansouri", "Belkacem", "Amrani", "Cherif"], "ar", 0.5),
    (6, ["Giovanna", "Rosa", "Lucia", "Maria", "Carmela"], ["Giuseppe", "Vincenzo", "Antonio", "Salvatore", "Mario"],
     ["Rossi", "Bianchi", "Ferraro", "Esposito", "Romano", "Colombo", "Ricci"], "it", 0.35),
    (4, ["Maria", "Conceição", "Rosa", "Fernanda"], ["Manuel", "Joaquim", "José", "António"],
     ["Ferreira", "Da Silva", "Pereira", "Gonçalves", "Rodrigues"], "pt", 0.3),
    (4, ["Carmen", "Dolores", "Pilar", "Mercedes"], ["Francisco", "Antonio", "Miguel", "Manuel"],
     ["Lopez", "Martinez", "Sanchez", "Fernandez", "Gomez"], "es", 0.2),
    (2, ["Thi Lan", "Thi Hoa", "Mai"], ["Van Minh", "Van Long"], ["Nguyen", "Tran", "Pham", "Le"], "vi", 0.6),
]  # fmt: skip

# --- Words and sentences -------------------------------------------------------------------

RELATIONS_FAMILY = {
    "female": ["fille", "nièce", "belle-fille", "petite-fille", "sœur"],
    "male": ["fils", "neveu", "gendre", "petit-fils", "frère"],
}

# Texts about a beneficiary are templates: {e} "e" or "", {il} "elle"/"il", {Il}, {lui} "elle"/"lui",
# {veuf} "veuve"/"veuf", {x} "se"/"x" (heureuse/heureux), {eur} "rice"/"eur" (ancienne
# institutrice/ancien instituteur), {n} "ne"/"n" (ancienne/ancien), {conjoint} "son mari"/"sa femme",
# {fier} "fière"/"fier".
GENDER_WORDS = {
    "female": {
        "e": "e",
        "il": "elle",
        "Il": "Elle",
        "lui": "elle",
        "veuf": "veuve",
        "Veuf": "Veuve",
        "x": "se",
        "eur": "rice",
        "n": "ne",
        "conjoint": "son mari",
        "fier": "fière",
    },
    "male": {
        "e": "",
        "il": "il",
        "Il": "Il",
        "lui": "lui",
        "veuf": "veuf",
        "Veuf": "Veuf",
        "x": "x",
        "eur": "eur",
        "n": "n",
        "conjoint": "sa femme",
        "fier": "fier",
    },
}

REFERRAL_REASONS = [
    "{Veuf} depuis deux ans, ne sort plus depuis une chute l'hiver dernier.",
    "Vit seul{e} depuis le départ de {conjoint} en EHPAD ; la famille habite loin.",
    "Isolement signalé par le médecin traitant : moral en baisse, perte d'appétit.",
    "Retour d'hospitalisation, plus de visites depuis plusieurs mois.",
    "Ne voit plus que l'aide à domicile deux fois par semaine.",
    "Sa fille, qui vit à Bordeaux, s'inquiète de ses journées sans parler à personne.",
    "Ancien{n} commerçant{e} du quartier, a perdu ses amis un à un ; demande de la compagnie.",
    "Repéré{e} lors du plan canicule : n'avait pas de contact régulier.",
    "Troubles de la marche, ne peut plus aller au club seniors.",
    "A demandé {lui}-même une visite après avoir vu une affiche à la pharmacie.",
    "Le gardien de l'immeuble signale qu'{il} ne sort plus et ne reçoit personne.",
    "Sortie d'hôpital après une pneumonie ; besoin de présence pendant la convalescence.",
    "A accompagné {conjoint} malade jusqu'à son décès au printemps, se retrouve très seul{e}.",
    "Parle surtout sa langue maternelle, peu de liens dans le quartier.",
]

ACCESS_NOTES = [
    "Digicode {code}, {floor} étage sans ascenseur.",
    "Digicode {code}, {floor} étage avec ascenseur, porte de droite.",
    "Interphone au nom de {last}, {floor} étage. Attendre : {il} met du temps à ouvrir.",
    "Digicode {code}, bâtiment B, {floor} étage. Clé de secours chez la gardienne.",
    "Maison au fond de la cour, sonnette à gauche du portail.",
    "Interphone en panne : téléphoner en arrivant en bas de l'immeuble.",
    "Digicode {code}, rez-de-chaussée sur cour, volets verts.",
]

PRACTICAL_TIPS = [
    "Aime qu'on lui lise le journal ; très {fier} de ses petits-enfants.",
    "Parle volontiers de son ancien métier à l'usine Berliet.",
    "Préfère le thé au café ; apporter des petits gâteaux fait toujours plaisir.",
    "Sujet sensible : le décès de {conjoint}, ne pas insister.",
    "Adore les chansons de Piaf et de Brassens.",
    "Joue très bien à la belote, ne pas se laisser battre trop vite !",
    "Passionné{e} d'histoire de Lyon, connaît toutes les traboules.",
    "Regarde le Tour de France chaque été, aime en parler.",
    "Aime se promener jusqu'au square quand il fait beau.",
    "Fait des mots croisés tous les matins, demande parfois de l'aide.",
    "Garde des photos de famille dans une boîte à biscuits ; aime les montrer.",
    "Ancien{n} institut{eur}, corrige volontiers les fautes d'orthographe.",
]

BEST_TIMES = [
    "Plutôt les après-midi",
    "Le matin, après 10 h",
    "En semaine, pas le mercredi (aide à domicile)",
    "Fin d'après-midi",
    "Indifférent",
    "Pas le lundi (kiné)",
]

MOBILITY_NOTES = [
    "Se déplace avec une canne",
    "Déambulateur",
    "Fauteuil roulant pour les sorties",
    "Marche sans aide mais lentement",
    "Ne descend plus seul{e} les escaliers",
    "",
    "",
]

HEARING_NOTES = [
    "Appareillé{e}, parler face à {lui}",
    "Entend mal au téléphone : privilégier les visites",
    "Bonne audition",
    "",
    "",
]

PAUSE_REASONS = [
    "Hospitalisation",
    "Séjour chez sa fille à Annecy",
    "Convalescence après une opération de la hanche",
    "Séjour temporaire en résidence de répit",
]

MATCH_END_REASONS = [
    "Déménagement du bénévole hors de la métropole",
    "Nouvel emploi du temps du bénévole, plus disponible ce jour-là",
    "Le bénévole a mis fin à son engagement",
    "Incompatibilité d'horaires",
]

BENEFICIARY_END_REASON = "Entrée en EHPAD"

CANCEL_REASONS = [
    "Rendez-vous médical",
    "Bénéficiaire fatigué(e), visite reportée",
    "Bénévole malade",
    "Grève des TCL",
    "Visite de la famille ce jour-là",
]

ACTIVITIES = {
    "home_visit": [
        "discussion autour d'un café",
        "jeux de cartes",
        "lecture du journal",
        "mots croisés",
        "photos de famille",
        "petite promenade dans la rue",
        "aide pour un courrier",
        "écoute de musique",
        "scrabble",
        "goûter",
    ],
    "phone_call": [
        "nouvelles de la semaine",
        "discussion sur le quartier",
        "souvenirs",
        "programme télé",
        "météo et sorties",
    ],
    "outing": ["promenade", "café en terrasse", "marché", "visite de musée", "courses"],
    "group_event": ["jeux de société", "chansons", "goûter partagé", "atelier mémoire", "discussion en groupe"],
}

REPORT_NOTES = [
    "Très bon moment, {il} m'attendait avec le café prêt.",
    "Un peu fatigué{e} aujourd'hui, nous avons surtout parlé.",
    "A beaucoup parlé de sa jeunesse dans le quartier.",
    "Content{e} d'avoir eu des nouvelles de son petit-fils.",
    "Nous avons fini la grille de mots croisés ensemble !",
    "Visite plus courte, son aide à domicile arrivait.",
    "Bonne humeur, a envie de sortir au marché la prochaine fois.",
    "Se plaint un peu du bruit des travaux dans l'immeuble.",
    "A retrouvé des photos de son mariage, très émouvant.",
    "RAS, visite agréable comme d'habitude.",
    "",
    "",
    "",
]

GROUP_REPORT_NOTES = [
    "Bonne ambiance, une dizaine de participants.",
    "Deux nouvelles personnes sont venues, bien accueillies par le groupe.",
    "Le tournoi de belote a eu un franc succès.",
    "Moins de monde à cause de la pluie, mais un bon moment.",
    "",
    "",
]

CONCERN_NOTES = {
    "lonely": "Dit qu'{il} ne parle à personne entre deux visites, les week-ends sont longs.",
    "memory": "A oublié notre rendez-vous et cherché ses clés longtemps ; à surveiller.",
    "admin": "A reçu un courrier de la CAF qu'{il} ne comprend pas, aurait besoin d'aide.",
    "housing": "Le chauffage de la chambre ne marche plus, le propriétaire ne répond pas.",
}

STAFF_CALL_NOTES = [
    "Appel de suivi : moral correct, attend toujours un bénévole.",
    "Appel de courtoisie, a pris des nouvelles de sa santé.",
    "Point téléphonique après l'évaluation à domicile.",
    "Appel pour présenter l'association et le fonctionnement des visites.",
    "Rappel suite à son message sur le répondeur.",
]

FAMILY_NOTES = [
    "Sa fille nous signale être passée dimanche.",
    "Son fils l'a appelée et tout va bien.",
    "Sa nièce l'a emmené{e} déjeuner.",
    "La famille a passé le week-end avec {lui}.",
]

NO_CONTACT_NOTES = [
    "Appel passé, pas de réponse. Message laissé à son fils.",
    "Mail envoyé à la travailleuse sociale du CCAS pour un passage à domicile.",
]

GROUP_EVENTS = [
    {
        "assoc": 0,
        "title": "Après-midi jeux de société au local",
        "description": (
            "Belote, scrabble et petits chevaux autour d'un goûter, chaque jeudi. Les bénévoles accueillent, "
            "animent les tables et raccompagnent celles et ceux qui le souhaitent."
        ),
        "place": "Local de l'association, 12 rue d'Austerlitz, 69004 Lyon",
        "lat": 45.7771,
        "lon": 4.8302,
        "recurrence": "weekly",
        "weekday": 3,
        "time": (14, 30),
        "duration": 120,
        "needed": 4,
        "status": "open",
        "since_days": 150,
        "active": 2,
        "proposed": 1,
    },
    {
        "assoc": 0,
        "title": "Goûter de fin d'année à la mairie du 4e",
        "description": (
            "Grand goûter avec chorale d'enfants du quartier. "
            "Besoin de bras pour l'accueil, le service et les trajets en minibus."
        ),
        "place": "Mairie du 4e arrondissement, 133 boulevard de la Croix-Rousse, 69004 Lyon",
        "lat": 45.7788,
        "lon": 4.8268,
        "recurrence": "one_off",
        "in_days": 24,
        "time": (14, 30),
        "duration": 180,
        "needed": 6,
        "status": "open",
        "active": 1,
        "proposed": 1,
    },
    {
        "assoc": 1,
        "title": "Atelier mémoire et chansons",
        "description": (
            "Chansons françaises, jeux de mémoire et discussion chaque mardi. "
            "Animé par une psychomotricienne, avec l'aide de bénévoles."
        ),
        "place": "Salle associative, 28 rue Sébastien Gryphe, 69007 Lyon",
        "lat": 45.7512,
        "lon": 4.8445,
        "recurrence": "weekly",
        "weekday": 1,
        "time": (14, 0),
        "duration": 90,
        "needed": 3,
        "status": "open",
        "since_days": 90,
        "active": 2,
    },
    {
        "assoc": 1,
        "title": "Visite du musée des Confluences en petit groupe",
        "description": (
            "Visite adaptée (parcours assis possible) pour huit personnes. Transport en minibus depuis la Guillotière."
        ),
        "place": "Musée des Confluences, 86 quai Perrache, 69002 Lyon",
        "lat": 45.7330,
        "lon": 4.8180,
        "recurrence": "one_off",
        "in_days": 16,
        "time": (14, 0),
        "duration": 180,
        "needed": 4,
        "status": "open",
        "active": 1,
    },
    {
        "assoc": 2,
        "title": "Café-rencontre du vendredi",
        "description": (
            "Un café en terrasse ou à l'intérieur selon la météo, pour se retrouver entre voisins. "
            "Les bénévoles vont chercher les personnes qui marchent difficilement."
        ),
        "place": "Place Ambroise Courtois, 69008 Lyon",
        "lat": 45.7450,
        "lon": 4.8705,
        "recurrence": "weekly",
        "weekday": 4,
        "time": (10, 0),
        "duration": 90,
        "needed": 3,
        "status": "open",
        "since_days": 120,
        "active": 2,
    },
    {
        "assoc": 2,
        "title": "Projection d'un film de patrimoine à l'Institut Lumière",
        "description": "Séance de l'après-midi suivie d'un goûter. À confirmer avec l'Institut.",
        "place": "Institut Lumière, 25 rue du Premier Film, 69008 Lyon",
        "lat": 45.7452,
        "lon": 4.8710,
        "recurrence": "one_off",
        "in_days": 35,
        "time": (14, 30),
        "duration": 150,
        "needed": 5,
        "status": "draft",
        "active": 0,
    },
]

# Per association: which one-off outings to create.
OUTING_STATES = [["past", "coming", "open"], ["coming", "open"], ["coming", "open"]]
OUTING_PLACES = [
    [
        ("Marché de la Croix-Rousse", "tour du marché du boulevard et café en terrasse"),
        ("Promenade au jardin des Chartreux", "promenade au jardin et vue sur la Saône"),
        ("Parc de la Tête d'Or", "tour du lac et serres"),
    ],
    [
        ("Balade sur les berges du Rhône", "promenade à plat sur les berges, pause sur un banc"),
        ("Parc de Gerland", "promenade au parc et goûter"),
    ],
    [
        ("Parc Chambovet", "promenade au parc et goûter"),
        ("Marché de Monplaisir", "tour du marché de la place Ambroise Courtois"),
    ],
]
