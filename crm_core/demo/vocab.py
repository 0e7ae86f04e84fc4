"""Fixed Spanish vocabularies for the demo portfolio: places, industries, wording."""

from __future__ import annotations

# region -> (weight by business population, [(city, CIF/postcode province code, phone prefix, weight)])
PLACES: dict[str, tuple[float, list[tuple[str, str, str, float]]]] = {
    "Andalucía": (
        15.0,
        [
            ("Sevilla", "41", "954", 5),
            ("Málaga", "29", "952", 5),
            ("Córdoba", "14", "957", 2),
            ("Granada", "18", "958", 2),
            ("Almería", "04", "950", 1.5),
            ("Cádiz", "11", "956", 1),
            ("Jerez de la Frontera", "11", "956", 1),
            ("Huelva", "21", "959", 1),
            ("Jaén", "23", "953", 1),
            ("Marbella", "29", "952", 1),
        ],
    ),
    "Aragón": (3.0, [("Zaragoza", "50", "976", 6), ("Huesca", "22", "974", 1), ("Teruel", "44", "978", 0.6)]),
    "Asturias": (2.0, [("Oviedo", "33", "985", 3), ("Gijón", "33", "985", 3), ("Avilés", "33", "985", 1)]),
    "Illes Balears": (2.5, [("Palma", "07", "971", 6), ("Ibiza", "07", "971", 1), ("Manacor", "07", "971", 1)]),
    "Canarias": (
        4.0,
        [
            ("Las Palmas de Gran Canaria", "35", "928", 4),
            ("Santa Cruz de Tenerife", "38", "922", 3),
            ("San Cristóbal de La Laguna", "38", "922", 1.5),
            ("Arrecife", "35", "928", 0.7),
        ],
    ),
    "Cantabria": (1.2, [("Santander", "39", "942", 4), ("Torrelavega", "39", "942", 1)]),
    "Castilla y León": (
        4.5,
        [
            ("Valladolid", "47", "983", 4),
            ("Burgos", "09", "947", 2),
            ("León", "24", "987", 2),
            ("Salamanca", "37", "923", 2),
            ("Segovia", "40", "921", 0.7),
            ("Zamora", "49", "980", 0.6),
        ],
    ),
    "Castilla-La Mancha": (
        3.5,
        [
            ("Toledo", "45", "925", 2),
            ("Albacete", "02", "967", 2),
            ("Guadalajara", "19", "949", 1.2),
            ("Ciudad Real", "13", "926", 1.2),
            ("Talavera de la Reina", "45", "925", 1),
            ("Cuenca", "16", "969", 0.6),
        ],
    ),
    "Cataluña": (
        18.0,
        [
            ("Barcelona", "08", "93", 12),
            ("L'Hospitalet de Llobregat", "08", "93", 2),
            ("Badalona", "08", "93", 1.5),
            ("Terrassa", "08", "93", 1.5),
            ("Sabadell", "08", "93", 1.5),
            ("Girona", "17", "972", 1.5),
            ("Tarragona", "43", "977", 1.5),
            ("Lleida", "25", "973", 1.2),
            ("Reus", "43", "977", 0.8),
        ],
    ),
    "Comunitat Valenciana": (
        11.0,
        [
            ("Valencia", "46", "96", 7),
            ("Alicante", "03", "965", 3.5),
            ("Elche", "03", "965", 2),
            ("Castellón de la Plana", "12", "964", 1.5),
            ("Benidorm", "03", "965", 0.8),
            ("Gandia", "46", "96", 0.7),
        ],
    ),
    "Extremadura": (1.6, [("Badajoz", "06", "924", 2), ("Cáceres", "10", "927", 1.5), ("Mérida", "06", "924", 1)]),
    "Galicia": (
        5.5,
        [
            ("Vigo", "36", "986", 3),
            ("A Coruña", "15", "981", 3),
            ("Santiago de Compostela", "15", "981", 1.5),
            ("Ourense", "32", "988", 1),
            ("Lugo", "27", "982", 1),
            ("Pontevedra", "36", "986", 1),
        ],
    ),
    "Comunidad de Madrid": (
        19.0,
        [
            ("Madrid", "28", "91", 14),
            ("Alcalá de Henares", "28", "91", 1),
            ("Móstoles", "28", "91", 1),
            ("Getafe", "28", "91", 1),
            ("Alcobendas", "28", "91", 1.2),
            ("Las Rozas de Madrid", "28", "91", 0.8),
            ("Leganés", "28", "91", 0.8),
        ],
    ),
    "Región de Murcia": (3.0, [("Murcia", "30", "968", 4), ("Cartagena", "30", "968", 2), ("Lorca", "30", "968", 1)]),
    "Comunidad Foral de Navarra": (1.5, [("Pamplona", "31", "948", 4), ("Tudela", "31", "948", 1)]),
    "País Vasco": (
        5.0,
        [
            ("Bilbao", "48", "94", 5),
            ("Vitoria-Gasteiz", "01", "945", 2.5),
            ("San Sebastián", "20", "943", 2.5),
            ("Barakaldo", "48", "94", 1),
            ("Getxo", "48", "94", 0.8),
        ],
    ),
    "La Rioja": (0.7, [("Logroño", "26", "941", 4), ("Calahorra", "26", "941", 1)]),
    "Ceuta": (0.15, [("Ceuta", "51", "956", 1)]),
    "Melilla": (0.15, [("Melilla", "52", "952", 1)]),
}

# industry -> (weight, name prefixes used in company names)
INDUSTRIES: dict[str, tuple[float, tuple[str, ...]]] = {
    "Hostelería": (9, ("Restaurante", "Hostelería", "Cafetería", "Hoteles")),
    "Construcción": (9, ("Construcciones", "Reformas", "Obras y Proyectos", "Edificaciones")),
    "Comercio minorista": (11, ("Comercial", "Tiendas", "Bazar", "Moda")),
    "Distribución mayorista": (7, ("Distribuciones", "Suministros", "Almacenes")),
    "Consultoría": (7, ("Consultores", "Consultoría", "Estrategia")),
    "Tecnología": (8, ("Soluciones Tecnológicas", "Sistemas", "Informática", "Software")),
    "Industria manufacturera": (7, ("Industrias", "Talleres", "Metalúrgica", "Manufacturas")),
    "Transporte y logística": (6, ("Transportes", "Logística", "Mensajería")),
    "Salud": (5, ("Clínica", "Centro Médico", "Laboratorios")),
    "Educación y formación": (4, ("Academia", "Centro de Formación", "Escuela")),
    "Inmobiliaria": (4, ("Inmobiliaria", "Gestión Patrimonial", "Promociones")),
    "Agroalimentación": (6, ("Agrícola", "Conservas", "Bodegas", "Alimentación")),
    "Marketing y publicidad": (4, ("Publicidad", "Comunicación", "Estudio Creativo")),
    "Asesoría y gestoría": (5, ("Asesoría", "Gestoría", "Asesores Fiscales")),
    "Energía e instalaciones": (5, ("Instalaciones", "Energías Renovables", "Electricidad")),
}

PLACE_WORDS: tuple[str, ...] = (
    "del Norte",
    "del Sur",
    "Levante",
    "Mediterráneo",
    "Ibérica",
    "Atlántico",
    "Peninsular",
    "Hispania",
    "Castellana",
    "Cantábrica",
    "Integral",
    "Global",
    "Europa",
    "Centro",
    "Costa",
)

# legal form -> (weight, CIF letter)
LEGAL_FORMS: dict[str, tuple[float, str]] = {
    "S.L.": (62, "B"),
    "S.A.": (14, "A"),
    "S.L.U.": (13, "B"),
    "S.L.L.": (5, "B"),
    "S.Coop.": (6, "F"),
}

EMAIL_LOCAL_PARTS: tuple[str, ...] = ("info", "contacto", "administracion", "facturacion", "hola", "oficina")

COMPANY_SIZES: tuple[str, ...] = ("self_employed", "small", "medium", "large")
SIZE_WEIGHTS: tuple[float, ...] = (0.15, 0.55, 0.22, 0.08)
SIZE_EMPLOYEES: tuple[tuple[int, int], ...] = ((1, 2), (2, 49), (50, 249), (250, 2500))
# median invoice amount of a monthly retainer, in cents, by size
SIZE_MONTHLY_CENTS: tuple[int, ...] = (25_000, 90_000, 350_000, 1_200_000)

# segment weights by company size (rows follow COMPANY_SIZES)
SEGMENTS: tuple[str, ...] = ("Autónomos", "Pyme", "Mediana empresa", "Gran cuenta", "Sector público")
SEGMENT_WEIGHTS: tuple[tuple[float, ...], ...] = (
    (0.85, 0.15, 0.0, 0.0, 0.0),
    (0.05, 0.88, 0.04, 0.0, 0.03),
    (0.0, 0.15, 0.75, 0.05, 0.05),
    (0.0, 0.0, 0.15, 0.75, 0.10),
)

PAYMENT_TERMS: tuple[int, ...] = (30, 0, 15, 60, 90)
PAYMENT_TERMS_WEIGHTS: tuple[float, ...] = (0.62, 0.06, 0.12, 0.15, 0.05)

PAYMENT_METHODS: tuple[str, ...] = ("transfer", "direct_debit", "card", "cash", "other")
PAYMENT_METHOD_WEIGHTS: tuple[float, ...] = (0.58, 0.30, 0.07, 0.03, 0.02)

CONTACT_ROLES: tuple[str, ...] = (
    "Gerente",
    "Director general",
    "Responsable de compras",
    "Director de operaciones",
    "Responsable de marketing",
    "Socio fundador",
    "Jefe de proyecto",
)
BILLING_ROLES: tuple[str, ...] = ("Administración", "Director financiero", "Responsable de contabilidad")

ACTIVITY_KINDS: tuple[str, ...] = ("call", "email", "meeting", "video_call", "note", "proposal")
ACTIVITY_KIND_WEIGHTS: tuple[float, ...] = (0.30, 0.30, 0.12, 0.12, 0.10, 0.06)
ACTIVITY_TITLES: dict[str, tuple[str, ...]] = {
    "call": (
        "Llamada de seguimiento",
        "Llamada comercial",
        "Consulta sobre facturación",
        "Llamada de soporte",
        "Recordatorio de pago",
    ),
    "email": (
        "Envío de documentación",
        "Respuesta a consulta",
        "Envío de presupuesto",
        "Newsletter personalizada",
        "Confirmación de pedido",
    ),
    "meeting": ("Reunión de seguimiento", "Reunión de presentación", "Visita a las oficinas", "Revisión trimestral de cuenta"),
    "video_call": ("Videollamada de seguimiento", "Demostración del servicio", "Revisión de propuesta"),
    "note": ("Nota interna", "Cambio de interlocutor", "Comentario sobre la cuenta"),
    "proposal": ("Propuesta comercial", "Propuesta de renovación", "Oferta de ampliación"),
}
ACTIVITY_OUTCOMES: dict[str, tuple[str, ...]] = {
    "call": ("Interesado", "Sin respuesta", "Volver a llamar", "Pago confirmado", "Solicita información"),
    "email": ("Enviado", "Respondido", "Sin respuesta"),
    "meeting": ("Muy positiva", "Pide propuesta", "Necesita aprobación interna", "Sin avances"),
    "video_call": ("Positiva", "Pide más detalles", "Sin avances"),
    "note": ("",),
    "proposal": ("Enviada", "En estudio", "Pendiente de firma"),
}
# minutes, by kind (None = not tracked)
ACTIVITY_DURATIONS: dict[str, tuple[int, ...] | None] = {
    "call": (5, 10, 15, 20, 30),
    "email": None,
    "meeting": (30, 45, 60, 90, 120),
    "video_call": (15, 30, 45, 60),
    "note": None,
    "proposal": None,
}

OPPORTUNITY_NAMES: tuple[str, ...] = (
    "Renovación contrato anual",
    "Ampliación de servicios",
    "Proyecto de implantación",
    "Plan de mantenimiento",
    "Pedido de temporada",
    "Migración a la nube",
    "Campaña de lanzamiento",
    "Consultoría estratégica",
    "Formación del equipo",
    "Suministro anual",
    "Licencias adicionales",
    "Auditoría y diagnóstico",
)
LOST_REASONS: tuple[str, ...] = (
    "Precio demasiado alto",
    "Eligió a la competencia",
    "Sin presupuesto este año",
    "Proyecto aplazado",
    "Sin respuesta del cliente",
    "No cumplimos los requisitos",
)

ACCOUNT_MANAGERS = 8
