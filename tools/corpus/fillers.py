"""Slot fillers for the synthetic trafficking corpus. Every proper noun in the corpus comes from here, so every
entity is labelled; template text itself carries no names."""

# (full name, given name, family name): the short forms let a document refer back to the same person.
PEOPLE = [
    ("Maria Lopez", "Maria", "Lopez"), ("Ana Gabriela Ramirez", "Ana", "Ramirez"), ("Daniel Reyes", "Daniel", "Reyes"),
    ("Sarah Kim", "Sarah", "Kim"), ("Oluwaseun Adeyemi", "Oluwaseun", "Adeyemi"), ("Li Wei", "Wei", "Li"),
    ("Yuki Tanaka", "Yuki", "Tanaka"), ("Priya Sharma", "Priya", "Sharma"), ("Olena Kovalenko", "Olena", "Kovalenko"),
    ("Ioana Popescu", "Ioana", "Popescu"), ("James Carter", "James", "Carter"), ("Tyrone Jackson", "Tyrone", "Jackson"),
    ("Jessica Miller", "Jessica", "Miller"), ("Carlos Mendoza", "Carlos", "Mendoza"),
    ("Jose Hernandez", "Jose", "Hernandez"), ("Rosa Castillo", "Rosa", "Castillo"),
    ("Blessing Okafor", "Blessing", "Okafor"), ("Grace Mwangi", "Grace", "Mwangi"),
    ("Svetlana Ivanova", "Svetlana", "Ivanova"), ("Andrei Moldovan", "Andrei", "Moldovan"),
    ("Marisol Diaz", "Marisol", "Diaz"), ("Luis Alberto Torres", "Luis", "Torres"),
    ("Kevin O'Brien", "Kevin", "O'Brien"), ("Aisha Bello", "Aisha", "Bello"), ("Jun Park", "Jun", "Park"),
    ("Mei Chen", "Mei", "Chen"), ("Rohan Gupta", "Rohan", "Gupta"), ("Emily Johnson", "Emily", "Johnson"),
    ("Michael Brown", "Michael", "Brown"), ("Ashley Davis", "Ashley", "Davis"),
    ("DeShawn Williams", "DeShawn", "Williams"), ("Juan Carlos Flores", "Juan", "Flores"),
    ("Esperanza Morales", "Esperanza", "Morales"), ("Kateryna Shevchenko", "Kateryna", "Shevchenko"),
    ("Adebayo Ogunleye", "Adebayo", "Ogunleye"), ("Maricel Santos", "Maricel", "Santos"),
    ("Jennifer Dela Cruz", "Jennifer", "Dela Cruz"), ("Ahmed Hassan", "Ahmed", "Hassan"),
    ("Valentina Rossi", "Valentina", "Rossi"), ("Samuel Mensah", "Samuel", "Mensah"),
    ("Ruth Tesfaye", "Ruth", "Tesfaye"), ("Dmitri Volkov", "Dmitri", "Volkov"), ("Hannah Schmidt", "Hannah", "Schmidt"),
    ("Brandon Moore", "Brandon", "Moore"), ("Crystal Thompson", "Crystal", "Thompson"),
    ("Fatima Ndiaye", "Fatima", "Ndiaye"), ("Pedro Alvarado", "Pedro", "Alvarado"), ("Lucia Gomez", "Lucia", "Gomez"),
    ("Marcus Green", "Marcus", "Green"), ("Tiffany Nguyen", "Tiffany", "Nguyen"), ("Hector Ruiz", "Hector", "Ruiz"),
    ("Anh Tran", "Anh", "Tran"), ("Ramesh Thapa", "Ramesh", "Thapa"), ("Nadia Rahman", "Nadia", "Rahman"),
    ("Patrick Sullivan", "Patrick", "Sullivan"), ("Karina Petrova", "Karina", "Petrova"),
    ("Miguel Angel Cruz", "Miguel", "Cruz"), ("Joy Eze", "Joy", "Eze"), ("Somchai Wongsakul", "Somchai", "Wongsakul"),
    ("Xiao Ling Zhou", "Ling", "Zhou"), ("Robert Hayes", "Robert", "Hayes"), ("Denise Walker", "Denise", "Walker"),
]

# Names on escort ads: working names, still a person to an annotator ("I'm Candy").
AD_NAMES = ["Candy", "Kiki", "Lexi", "Bella", "Mia", "Jade", "Roxy", "Honey", "Destiny", "Amber", "Cherry", "Luna",
            "Nikki", "Sasha", "Paris", "Jasmine", "Crystal", "Mercedes", "Gigi", "Coco", "Vanessa", "Tina"]

# (city, state code, state name, area codes, lat, lon)
US_CITIES = [
    ("Houston", "TX", "Texas", ["713", "832", "281"], 29.7604, -95.3698),
    ("Dallas", "TX", "Texas", ["214", "469"], 32.7767, -96.7970),
    ("El Paso", "TX", "Texas", ["915"], 31.7619, -106.4850),
    ("San Antonio", "TX", "Texas", ["210"], 29.4241, -98.4936),
    ("Atlanta", "GA", "Georgia", ["404", "678"], 33.7490, -84.3880),
    ("Miami", "FL", "Florida", ["305", "786"], 25.7617, -80.1918),
    ("Orlando", "FL", "Florida", ["407"], 28.5383, -81.3792),
    ("Las Vegas", "NV", "Nevada", ["702"], 36.1699, -115.1398),
    ("Los Angeles", "CA", "California", ["213", "323"], 34.0522, -118.2437),
    ("San Diego", "CA", "California", ["619"], 32.7157, -117.1611),
    ("Oakland", "CA", "California", ["510"], 37.8044, -122.2712),
    ("Fresno", "CA", "California", ["559"], 36.7378, -119.7871),
    ("Phoenix", "AZ", "Arizona", ["602"], 33.4484, -112.0740),
    ("Chicago", "IL", "Illinois", ["312", "773"], 41.8781, -87.6298),
    ("New York", "NY", "New York", ["212", "646", "917"], 40.7128, -74.0060),
    ("Newark", "NJ", "New Jersey", ["973"], 40.7357, -74.1724),
    ("Baltimore", "MD", "Maryland", ["410"], 39.2904, -76.6122),
    ("Charlotte", "NC", "North Carolina", ["704"], 35.2271, -80.8431),
    ("Seattle", "WA", "Washington", ["206"], 47.6062, -122.3321),
    ("Portland", "OR", "Oregon", ["503"], 45.5152, -122.6784),
    ("Denver", "CO", "Colorado", ["303"], 39.7392, -104.9903),
    ("Nashville", "TN", "Tennessee", ["615"], 36.1627, -86.7816),
    ("Memphis", "TN", "Tennessee", ["901"], 35.1495, -90.0490),
    ("Minneapolis", "MN", "Minnesota", ["612"], 44.9778, -93.2650),
    ("Columbus", "OH", "Ohio", ["614"], 39.9612, -82.9988),
    ("Detroit", "MI", "Michigan", ["313"], 42.3314, -83.0458),
    ("Boston", "MA", "Massachusetts", ["617"], 42.3601, -71.0589),
    ("Salinas", "CA", "California", ["831"], 36.6777, -121.6555),
]

# (nationality adjective, plural noun, country, cities, country calling code, sample national numbers)
ORIGINS = [
    ("Honduran", "Hondurans", "Honduras", ["San Pedro Sula", "Tegucigalpa"], "504", ["9876 5432", "3312 4587"]),
    ("Mexican", "Mexicans", "Mexico", ["Mexico City", "Tijuana", "Puebla", "Oaxaca"], "52",
     ["55 1234 5678", "664 123 4567", "222 345 6789"]),
    ("Guatemalan", "Guatemalans", "Guatemala", ["Guatemala City", "Quetzaltenango"], "502", ["5123 4567"]),
    ("Salvadoran", "Salvadorans", "El Salvador", ["San Salvador", "Santa Ana"], "503", ["7012 3456"]),
    ("Filipino", "Filipinos", "Philippines", ["Manila", "Cebu", "Davao"], "63", ["917 123 4567", "918 555 0142"]),
    ("Nigerian", "Nigerians", "Nigeria", ["Lagos", "Benin City", "Abuja"], "234", ["802 123 4567", "803 456 7890"]),
    ("Ukrainian", "Ukrainians", "Ukraine", ["Kyiv", "Odesa", "Kharkiv"], "380", ["50 123 4567", "67 234 5678"]),
    ("Romanian", "Romanians", "Romania", ["Bucharest", "Iasi", "Constanta"], "40", ["712 034 567", "722 345 678"]),
    ("Vietnamese", None, "Vietnam", ["Hanoi", "Ho Chi Minh City", "Hai Phong"], "84", ["91 234 56 78"]),
    ("Thai", None, "Thailand", ["Bangkok", "Chiang Mai", "Udon Thani"], "66", ["81 234 5678"]),
    ("Venezuelan", "Venezuelans", "Venezuela", ["Caracas", "Maracaibo"], "58", ["412 123 4567"]),
    ("Chinese", None, "China", ["Fuzhou", "Shenyang", "Guangzhou"], "86", ["138 0013 8000"]),
    ("Nepali", None, "Nepal", ["Kathmandu", "Pokhara"], "977", ["984 123 4567"]),
    ("Kenyan", "Kenyans", "Kenya", ["Nairobi", "Mombasa"], "254", ["712 123 456"]),
    ("Ghanaian", "Ghanaians", "Ghana", ["Accra", "Kumasi"], "233", ["24 123 4567"]),
    ("Colombian", "Colombians", "Colombia", ["Medellin", "Cali", "Bogota"], "57", ["321 123 4567"]),
    ("Indian", "Indians", "India", ["Hyderabad", "Kochi", "Chennai"], "91", ["98123 45678"]),
    ("Moldovan", "Moldovans", "Moldova", ["Chisinau"], "373", ["621 12 345"]),
]

# Destinations of job scams abroad: (city, country)
ABROAD = [("Dubai", "United Arab Emirates"), ("Doha", "Qatar"), ("Riyadh", "Saudi Arabia"), ("Istanbul", "Turkey"),
          ("Kuala Lumpur", "Malaysia"), ("Tokyo", "Japan"), ("Milan", "Italy"), ("London", "United Kingdom"),
          ("Bangkok", "Thailand"), ("Cancun", "Mexico"), ("Toronto", "Canada"), ("Madrid", "Spain")]

STREETS = ["Westheimer Road", "Bissonnet Street", "Harwin Drive", "Buford Highway", "Biscayne Boulevard",
           "Figueroa Street", "Aurora Avenue", "Colfax Avenue", "Roosevelt Avenue", "Fondren Road",
           "International Boulevard", "Lake Street", "Woodward Avenue", "Nolensville Pike"]

NGOS = ["Polaris Project", "Red Cross", "Salvation Army", "Catholic Charities", "Covenant House",
        "International Organization for Migration", "Coalition to Abolish Slavery and Trafficking",
        "International Justice Mission", "Shared Hope International", "Safe Horizon", "La Strada International",
        "Tahirih Justice Center", "Sanctuary for Families", "Freedom Network USA"]
LAW = ["ICE", "FBI", "HSI", "Homeland Security Investigations", "Department of Labor", "Border Patrol",
       "Houston Police Department", "NYPD", "LAPD", "Las Vegas Metropolitan Police Department",
       "Atlanta Police Department", "Department of Homeland Security", "Interpol", "Europol"]
AGENCIES = ["Golden Bridge Staffing", "Sunrise Manpower Services", "Elite Models International",
            "Pacific Crest Labor", "Global Care Recruitment", "Starlight Talent Agency", "Blue Horizon Travel",
            "Prime Workforce Solutions", "Silver Star Employment", "Diamond Hospitality Group"]
BUSINESSES = ["Lucky Nails", "Happy Garden Restaurant", "Rivera Farms", "Green Valley Packing", "Star Cleaning Services",
              "Blue Lotus Spa", "Golden Dragon Buffet", "Sunshine Nail Salon", "El Rancho Grande", "Oak Hill Dairy",
              "Pearl Massage", "Mountain View Orchards", "Royal Thai Kitchen", "Tropicana Bar"]
MONEY_SERVICES = ["Western Union", "MoneyGram", "Remitly"]

VEHICLES = ["silver Honda Civic", "black Chevy Tahoe", "white Ford Transit van", "red Nissan Altima",
            "gray Toyota Camry", "blue Dodge Charger", "black Cadillac Escalade", "white Kia Sorento",
            "maroon Chrysler 300", "green Jeep Cherokee"]

# Weapon phrases as SPANS.md delimits them; the article or colour before them stays outside the span.
WEAPONS = ["Glock 19", "Glock 17", "9mm pistol", "9mm handgun", ".38 revolver", ".380 pistol", "AK-47", "AR-15",
           "12-gauge shotgun", "shotgun", "machete", "Taurus G2C", "Sig Sauer P320", "Ruger LCP", "Beretta 92FS",
           ".45 caliber handgun", "9mm Glock 19", ".22 rifle", "Smith & Wesson M&P", "Hi-Point C9"]

EMOJI = ["💋", "🔥", "🍒", "✨", "💦", "😘", "💯", "🆕", "👑", "💕", "🌹", "😍", "🥰", "❤️", "⭐"]
