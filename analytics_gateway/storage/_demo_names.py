"""Vocabulary of the demo institution: people's names, faculties, departments and course titles.

Names deliberately mix scripts and punctuation (accents, apostrophes, particles) so that sorting by
``sortable_name`` and JSON/TSV escaping are exercised by realistic data, not only by unit tests.
"""

from __future__ import annotations

__all__ = ["FACULTIES", "FIRST_NAMES", "LAST_NAMES", "NICKNAMES", "Department", "Faculty"]

FIRST_NAMES: tuple[str, ...] = (
    "Aaliyah", "Aarav", "Abigail", "Adrián", "Ahmed", "Aiko", "Alejandro", "Alexei", "Amara", "Amelia",
    "Ana", "Andrés", "Anja", "Ayşe", "Beatriz", "Benjamin", "Björn", "Bronwyn", "Camila", "Carlos",
    "Catalina", "Charlotte", "Chen", "Chloé", "Chukwuemeka", "Daniel", "Dmitri", "Elif", "Elijah", "Emily",
    "Emma", "Eun-ji", "Fatima", "Felipe", "Finn", "François", "Freya", "Gabriel", "Grace", "Hamza",
    "Hana", "Hannah", "Hiroshi", "Ibrahim", "Ines", "Isabella", "Jack", "James", "Jamal", "Javier",
    "Jin", "José", "Jürgen", "Kai", "Kavya", "Keanu", "Lars", "Leila", "Liam", "Lucía", "Łukasz",
    "Mai", "Małgorzata", "Marco", "María", "Mateo", "Mei", "Mia", "Mohammed", "Nadia", "Naledi",
    "Ngozi", "Nikolai", "Noah", "Noor", "Oliver", "Oluwaseun", "Omar", "Priya", "Rafael", "Renée",
    "Robert", "Rohan", "Rosa", "Saanvi", "Samuel", "Santiago", "Sara", "Siobhán", "Sofia", "Søren",
    "Tariq", "Thandiwe", "Theo", "Valentina", "Wei", "William", "Yara", "Yusuf", "Zoë", "Zoltán",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Abbott", "Adeyemi", "Ahmed", "Alvarez", "Andersen", "Bailey", "Banerjee", "Becker", "Bianchi",
    "Brown", "Campbell", "Castillo", "Çelik", "Chen", "Clarke", "Cohen", "D'Angelo", "da Silva",
    "Davies", "de la Cruz", "Dvořák", "Edwards", "Eriksson", "Fernández", "Fischer", "Fitzgerald",
    "García", "Gómez", "Gonzalez", "Gupta", "Haddad", "Hansen", "Hernández", "Hoffmann", "Hughes",
    "Ivanova", "Jackson", "Jensen", "Johnson", "Kaur", "Kim", "Kowalczyk", "Kumar", "Larsen", "Lee",
    "Lindqvist", "López", "Martin", "Martínez", "McAllister", "Mensah", "Miller", "Moreau", "Müller",
    "Murphy", "Nakamura", "Nguyễn", "Nielsen", "Novak", "Ó Súilleabháin", "O'Brien", "Okafor",
    "Olsen", "Patel", "Pérez", "Petrov", "Popescu", "Quinn", "Ramírez", "Rossi", "Sánchez", "Schmidt",
    "Şahin", "Silva", "Singh", "Smith", "Suzuki", "Tanaka", "Taylor", "Thompson", "Tremblay",
    "van der Berg", "Vasquez", "Wagner", "Walker", "Wang", "White", "Williams", "Wilson", "Wójcik",
    "Yamamoto", "Yılmaz", "Young", "Zhang", "Zieliński",
)  # fmt: skip

# Short names some users go by; everyone else's short name is their first name.
NICKNAMES: dict[str, str] = {
    "Robert": "Bob",
    "William": "Will",
    "Alexei": "Sasha",
    "Benjamin": "Ben",
    "Małgorzata": "Gosia",
    "Oluwaseun": "Seun",
    "Chukwuemeka": "Emeka",
    "Elizabeth": "Liz",
}


class Department:
    """A department sub-account: SIS prefix, display name and course titles (catalog number, title)."""

    def __init__(self, code: str, name: str, titles: tuple[tuple[int, str], ...]) -> None:
        self.code = code
        self.name = name
        self.titles = titles


class Faculty:
    """A faculty sub-account holding departments."""

    def __init__(self, code: str, name: str, departments: tuple[Department, ...]) -> None:
        self.code = code
        self.name = name
        self.departments = departments


FACULTIES: tuple[Faculty, ...] = (
    Faculty(
        "ENG",
        "Faculty of Engineering",
        (
            Department(
                "CSCI",
                "Computer Science",
                (
                    (101, "Introduction to Programming"),
                    (161, "Discrete Structures"),
                    (220, "Data Structures & Algorithms"),
                    (241, "Computer Systems"),
                    (311, "Databases"),
                    (340, "Operating Systems"),
                    (355, "Machine Learning"),
                    (410, "Compilers"),
                    (425, "Distributed Systems"),
                    (470, "Human–Computer Interaction"),
                ),
            ),
            Department(
                "ELEC",
                "Electrical Engineering",
                (
                    (105, "Circuits I"),
                    (206, "Signals and Systems"),
                    (230, "Digital Logic"),
                    (315, "Electromagnetics"),
                    (342, "Power Electronics"),
                    (418, "Control Systems"),
                ),
            ),
            Department(
                "MECH",
                "Mechanical Engineering",
                (
                    (110, "Engineering Graphics"),
                    (201, "Statics"),
                    (215, "Dynamics"),
                    (310, "Thermodynamics"),
                    (330, "Fluid Mechanics"),
                    (405, "Heat Transfer"),
                ),
            ),
        ),
    ),
    Faculty(
        "SCI",
        "Faculty of Science",
        (
            Department(
                "MATH",
                "Mathematics",
                (
                    (101, "Calculus I"),
                    (102, "Calculus II"),
                    (215, "Linear Algebra"),
                    (221, "Probability"),
                    (305, "Real Analysis"),
                    (331, "Abstract Algebra"),
                    (360, "Numerical Methods"),
                    (412, "Topology"),
                ),
            ),
            Department(
                "PHYS",
                "Physics",
                (
                    (101, "Mechanics"),
                    (102, "Electricity & Magnetism"),
                    (210, "Waves and Optics"),
                    (301, "Quantum Mechanics I"),
                    (320, "Statistical Physics"),
                    (430, "Astrophysics"),
                ),
            ),
            Department(
                "BIOL",
                "Biology",
                (
                    (110, "Cell Biology"),
                    (120, "Evolution & Ecology"),
                    (230, "Genetics"),
                    (245, "Microbiology"),
                    (340, "Neurobiology"),
                    (415, "Bioinformatics"),
                ),
            ),
        ),
    ),
    Faculty(
        "ART",
        "Faculty of Arts & Humanities",
        (
            Department(
                "HIST",
                "History",
                (
                    (100, "World History to 1500"),
                    (101, "World History since 1500"),
                    (230, "The Ottoman Empire"),
                    (255, "History of Science"),
                    (340, "Revolutions in Latin America"),
                ),
            ),
            Department(
                "PHIL",
                "Philosophy",
                (
                    (101, "Introduction to Philosophy"),
                    (120, "Logic & Critical Thinking"),
                    (240, "Ethics"),
                    (310, "Philosophy of Mind"),
                    (350, "Kant's Critique of Pure Reason"),
                ),
            ),
            Department(
                "LING",
                "Languages & Linguistics",
                (
                    (101, "Introduction to Linguistics"),
                    (150, "Español intermedio"),
                    (160, "Français : lecture et écriture"),
                    (210, "Phonetics & Phonology"),
                    (320, "Syntax"),
                ),
            ),
        ),
    ),
    Faculty(
        "BUS",
        "School of Business",
        (
            Department(
                "ECON",
                "Economics",
                (
                    (101, "Principles of Microeconomics"),
                    (102, "Principles of Macroeconomics"),
                    (250, "Econometrics"),
                    (330, "Game Theory"),
                    (410, "Development Economics"),
                ),
            ),
            Department(
                "ACCT",
                "Accounting",
                (
                    (201, "Financial Accounting"),
                    (202, "Managerial Accounting"),
                    (310, "Auditing"),
                    (320, "Taxation"),
                ),
            ),
            Department(
                "MKTG",
                "Marketing",
                (
                    (201, "Marketing Principles"),
                    (305, "Consumer Behaviour"),
                    (340, "Digital Marketing"),
                    (420, "Brand Strategy"),
                ),
            ),
        ),
    ),
)
