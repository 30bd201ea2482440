#!/usr/bin/env python3
"""Build the second demo catalog, "Marketplace" (assets/openmoji/catalog.csv + images/*.webp).

A general-store catalog in another house style than the demo one: marketplace titles with a
brand, a model number and specs ("Sonara H7 Wireless Over-Ear Headphones, ANC, 30 h Battery -
Navy"), retail colour names (Navy, Charcoal, Blush Pink), 29 categories with names of their own
("Coffee & Tea", "Shoes & Boots"), and extra columns (brand, model, material, size). Pictures
are OpenMoji drawings (CC BY-SA 4.0, see LICENSE-images.md); colour variants are made by swapping
OpenMoji palette colours in the SVG before rendering.

Reproduce (a throwaway venv: cairosvg needs Debian's libcairo2):

    mkdir -p /tmp/omwork && cd /tmp/omwork
    npm pack openmoji@17.0.0 && mkdir om && tar xzf openmoji-17.0.0.tgz -C om
    python3 -m venv venv && venv/bin/pip install cairosvg==2.9.1 pillow numpy
    venv/bin/python assets/openmoji/build_catalog.py /tmp/omwork/om/package

Output is deterministic for the same inputs. Each product also has a ``ptype`` (product type)
and a colour ``family`` that are not written to the CSV; assets/eval/candidates.py reads them to
list candidate items for an annotator.
"""
from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
IMAGE_SIZE = 256
WEBP_QUALITY = 82

# retail colour name -> (light, main, dark) fills and the plain colour word a shopper would use
COLOURS: dict[str, tuple[tuple[str, str, str], str]] = {
    "Black": (("#5a5a5a", "#2b2b2b", "#1a1a1a"), "black"),
    "Charcoal": (("#7a7a7a", "#4a4a4a", "#333333"), "gray"),
    "White": (("#ffffff", "#f4f4f4", "#d0cfce"), "white"),
    "Silver": (("#e8e8e8", "#d0cfce", "#9b9b9a"), "silver"),
    "Stone Grey": (("#d0cfce", "#9b9b9a", "#3f3f3f"), "gray"),
    "Navy": (("#3a6cc0", "#1e50a0", "#14376e"), "blue"),
    "Sky Blue": (("#c8ecfb", "#92d3f5", "#61b2e4"), "blue"),
    "Cobalt Blue": (("#92d3f5", "#61b2e4", "#1e50a0"), "blue"),
    "Cherry Red": (("#ea5a47", "#d22f27", "#781e32"), "red"),
    "Burgundy": (("#a83a50", "#781e32", "#4f1020"), "red"),
    "Forest Green": (("#5c9e31", "#186648", "#0f4430"), "green"),
    "Lime": (("#d6e67a", "#b1cc33", "#5c9e31"), "green"),
    "Mustard": (("#fcea2b", "#f1b31c", "#c48a0c"), "yellow"),
    "Sunflower Yellow": (("#fff27a", "#fcea2b", "#f1b31c"), "yellow"),
    "Tangerine": (("#f4aa41", "#e27022", "#a84d12"), "orange"),
    "Blush Pink": (("#ffd0dc", "#ffa7c0", "#e67a94"), "pink"),
    "Rose": (("#ffa7c0", "#e67a94", "#b8506a"), "pink"),
    "Lavender": (("#d6c6e4", "#b399c8", "#8967aa"), "purple"),
    "Plum": (("#b399c8", "#8967aa", "#5e3f80"), "purple"),
    "Camel": (("#c89d5c", "#a57939", "#6a462f"), "brown"),
    "Chocolate": (("#a57939", "#6a462f", "#45291a"), "brown"),
    "Sand": (("#fadcbc", "#debb90", "#c19a65"), "beige"),
}
ROLE = {"light": 0, "main": 1, "dark": 2}
# colour names used only for a render's own colours (never a recolour target)
NATIVE_FAMILY = {
    "Stainless Steel": "silver", "Chrome": "silver", "Natural Wood": "brown", "Walnut": "brown",
    "Terracotta": "orange", "Clear": "clear", "Multicolour": "multicolor", "Gold": "gold",
    "Brass": "gold", "Green": "green", "Red": "red", "Yellow": "yellow", "Orange": "orange",
    "Brown": "brown", "Blue": "blue", "Grey": "gray", "Pink": "pink", "Purple": "purple",
    "Cream": "white", "Kraft Brown": "brown",
}


def family(colour: str) -> str:
    if colour in COLOURS:
        return COLOURS[colour][1]
    return NATIVE_FAMILY[colour]


@dataclass
class Product:
    item_id: str
    title: str
    description: str
    category: str
    price: float
    color: str
    brand: str
    model: str
    material: str
    size: str
    ptype: str                 # product type: not in the CSV (annotation helper)
    hexcode: str               # OpenMoji code of the drawing
    swap: dict | None = None   # source fill -> role in the target colour ("light", "main", "dark")
    recolor: str | None = None

    @property
    def image(self) -> str:
        return f"images/{self.item_id}.webp"

    @property
    def family(self) -> str:
        return family(self.color)


CATEGORY_SKU = {}  # category -> next SKU number
PRODUCTS: list[Product] = []


def _sku(category: str) -> str:
    if category not in CATEGORY_SKU:
        CATEGORY_SKU[category] = 1000 + 100 * len(CATEGORY_SKU)
    CATEGORY_SKU[category] += 1
    return f"OM-{CATEGORY_SKU[category]}"


def item(category, ptype, hexcode, brand, model, name, spec, desc, price, color, material, size,
         swap=None, recolor=None, show_colour=False):
    title = " ".join(x for x in (brand, model, name) if x)
    if spec:
        title += f", {spec}"
    if show_colour:
        title += f" - {color}"
    PRODUCTS.append(Product(_sku(category), title, desc, category, price, color, brand, model,
                            material, size, ptype, hexcode, swap, recolor))


def line(category, ptype, hexcode, brand, model, name, spec, material, size, native, swap, variants):
    """One product in several colours. ``variants``: (colour, price, description); the colour
    ``native`` is the drawing's own, others are made by swapping the fills named in ``swap``."""
    for color, price, desc in variants:
        item(category, ptype, hexcode, brand, model, name, spec, desc, price, color, material, size,
             swap=swap if color != native else None, recolor=None if color == native else color,
             show_colour=True)


BLUE = {"#92d3f5": "light", "#61b2e4": "main", "#1e50a0": "dark"}
GREY = {"#d0cfce": "light", "#9b9b9a": "main"}
RED = {"#ea5a47": "light", "#d22f27": "main"}
BROWN = {"#a57939": "light", "#6a462f": "main"}
PURPLE = {"#b399c8": "light", "#8967aa": "main"}

# ---------------------------------------------------------------- Coffee & Tea
C = "Coffee & Tea"
item(C, "espresso machine", "E150", "Brevia", "Duetto EM-15", "Espresso Machine", "15-Bar Pump, Steam Wand, 1.5 L Tank",
     "Pump espresso maker with a manual steam wand for frothing milk; makes a single or double shot in under a minute.",
     249.00, "White", "stainless steel and ABS", "1.5 L")
item(C, "french press", "E151", "Kaffeehaus", "KP-8", "French Press Coffee Maker", "8 Cups, Borosilicate Glass",
     "Plunger brewer with a fine steel mesh filter and a heat-resistant glass beaker.",
     29.95, "Black", "glass and steel", "1 L")
item(C, "moka pot", "E152", "Brevia", "Classica 6", "Stovetop Espresso Maker", "6 Cups, Aluminium",
     "Italian-style stovetop brewer for strong coffee on gas or electric hobs.",
     34.50, "Silver", "aluminium", "300 ml")
item(C, "milk jug", "E153", "Baristo", "MJ-600", "Milk Frothing Pitcher", "600 ml, Stainless Steel",
     "Steaming jug with a pointed spout for latte art.",
     18.90, "Stainless Steel", "stainless steel", "600 ml")
item(C, "percolator", "E154", "Halden", "PC-12", "Electric Coffee Percolator", "12 Cups, Keep-Warm",
     "Cordless jug that percolates coffee and keeps it hot on its base for an hour.",
     59.00, "Stainless Steel", "stainless steel", "1.8 L")
item(C, "drip coffee maker", "E155", "Halden", "Brew 10", "Programmable Drip Coffee Maker", "Glass Carafe, Timer",
     "Filter machine with a 24-hour timer and a warming plate; wake up to fresh coffee.",
     79.00, "White", "plastic and glass", "1.25 L")
item(C, "coffee grinder", "E156", "Kaffeehaus", "Mahl 2", "Manual Burr Coffee Grinder", "Adjustable Grind",
     "Hand-cranked grinder with ceramic burrs and a wooden body, from espresso-fine to press-coarse.",
     42.00, "Natural Wood", "beech wood and ceramic", "40 g hopper")
line(C, "teapot", "1FAD6", "Yuno", "TP-12", "Ceramic Teapot with Infuser", "1.2 L", "porcelain", "1.2 L",
     "Silver", {"#d0cfce": "main"}, [
         ("Silver", 32.00, "Round glazed pot with a removable steel strainer for loose-leaf brewing."),
         ("Sky Blue", 32.00, "Round glazed pot in pale blue with a removable strainer for loose leaves."),
         ("Rose", 34.00, "Round glazed pot in dusky pink with a steel infuser basket."),
     ])
line(C, "cup and saucer", "2615", "Yuno", "CS-250", "Porcelain Cappuccino Cups & Saucers", "Set of 2, 250 ml",
     "porcelain", "250 ml", "Silver", {"#d0cfce": "main"}, [
         ("Silver", 19.50, "Pair of glazed cups with matching saucers for cappuccino or tea."),
         ("Cobalt Blue", 21.50, "Pair of glazed cups with saucers in deep blue for cappuccino or tea."),
     ])
item(C, "tea glass", "1F375", "Yuno", "DW-300", "Double-Wall Glass Tea Cups", "Set of 4, 300 ml",
     "Insulated handle-free glasses that keep tea hot while the outside stays cool to hold.",
     24.00, "Clear", "borosilicate glass", "300 ml")
item(C, "coffee beans", "E0C6", "Altura", "", "Ethiopia Yirgacheffe Whole Bean Coffee", "Single Origin, 1 kg",
     "Light-roast arabica with floral, citrus notes; roasted in small batches.",
     24.50, "Brown", "coffee", "1 kg")
item(C, "mate gourd", "1F9C9", "Pampa", "", "Calabash Yerba Mate Gourd with Bombilla Straw", "",
     "Traditional cup for yerba mate with a filtered metal drinking straw.",
     21.00, "Orange", "calabash and steel", "250 ml")

# ---------------------------------------------------------------- Kitchen & Dining
C = "Kitchen & Dining"
item(C, "chef's knife", "1F52A", "Sakuto", "G-20", "Chef's Knife", "20 cm, VG-10 Steel",
     "Razor-sharp Japanese-style blade with a riveted handle, for slicing, dicing and mincing.",
     89.00, "Black", "VG-10 steel and pakkawood", "20 cm")
item(C, "spoons", "1F944", "Linnea", "", "Stainless Steel Dessert Spoons", "Set of 6",
     "Mirror-polished spoons with a weighty feel.",
     14.00, "Stainless Steel", "18/10 stainless steel", "18 cm")
item(C, "cutlery set", "1F374", "Linnea", "Nord", "24-Piece Cutlery Set", "Service for 6",
     "Forks, knives, spoons and teaspoons for six, dishwasher safe.",
     49.00, "Stainless Steel", "18/10 stainless steel", "24 pieces")
item(C, "dinner set", "1F37D", "Linnea", "Nord", "Dinnerware Place Setting", "Plate, Fork & Knife, Service for 6",
     "Stoneware dinner plates with matching cutlery for six guests.",
     79.00, "White", "stoneware and steel", "27 cm plates")
item(C, "chopsticks", "1F962", "Sakuto", "", "Reusable Chopsticks", "5 Pairs",
     "Lacquered, tapered sticks with a non-slip tip; dishwasher safe.",
     9.50, "Red", "bamboo", "24 cm")
item(C, "storage jar", "1FAD9", "Vorrat", "GJ-1000", "Glass Storage Jar with Screw Lid", "1 L",
     "Airtight jar for pasta, flour, biscuits or pickles.",
     7.90, "Clear", "glass", "1 L")
item(C, "frying pan", "1F373", "Ferro", "FP-28", "Non-Stick Frying Pan", "28 cm, Induction Ready",
     "Three-layer non-stick coating slides eggs and pancakes right off; works on every hob.",
     39.00, "Stone Grey", "aluminium", "28 cm")
line(C, "bowl", "1F963", "Linnea", "", "Stoneware Soup Bowls with Spoons", "Set of 4, 750 ml", "stoneware", "750 ml",
     "Silver", {"#d0cfce": "main"}, [
         ("Silver", 29.00, "Deep matte-glazed bowls for soup, ramen or cereal, with matching spoons."),
         ("Sand", 29.00, "Deep bowls in a warm oatmeal glaze for soup, ramen or cereal, with spoons."),
     ])
item(C, "salt shaker", "1F9C2", "Linnea", "", "Ceramic Salt & Pepper Shakers", "Pair",
     "Classic tall table shakers with rubber stoppers.",
     12.00, "White", "ceramic", "11 cm")
item(C, "wine glasses", "1F377", "Cristallo", "Bordeaux", "Red Wine Glasses", "Set of 4, 650 ml",
     "Lead-free crystal with a wide bowl that lets big reds breathe.",
     34.00, "Clear", "crystal glass", "650 ml")
item(C, "whisky tumblers", "1F943", "Cristallo", "Old Fashioned", "Whisky Tumblers", "Set of 4, 300 ml",
     "Heavy-based rocks glasses for whisky or cocktails on ice.",
     29.00, "Clear", "crystal glass", "300 ml")
item(C, "beer glass", "1F37A", "Bavaro", "", "Glass Beer Stein with Handle", "0.5 L, 2-Pack",
     "Thick dimpled mugs that keep lager cold, Bavarian beer-hall style.",
     19.00, "Clear", "glass", "500 ml")
line(C, "tumbler with straw", "1F964", "Sipstr", "CC-700", "Reusable Cold Cup with Lid and Straw", "700 ml",
     "BPA-free plastic", "700 ml", "Cherry Red", {"#d22f27": "main"}, [
         ("Cherry Red", 12.00, "Double-wall cup for iced coffee and smoothies, with a screw lid and a straw."),
         ("Lime", 12.00, "Double-wall cup in zesty green for iced drinks, with a lid and a straw."),
     ])
item(C, "baby bottle", "1F37C", "Mimi", "AC-260", "Anti-Colic Baby Feeding Bottle", "260 ml, Slow-Flow Teat",
     "Vented feeding bottle that reduces air swallowing; for newborns and up.",
     11.50, "Sky Blue", "polypropylene and silicone", "260 ml")
item(C, "glass water bottle", "E0CB", "Aquila", "", "Glass Water Bottle with Steel Cap", "750 ml",
     "Reusable bottle with a leak-proof cap, for the desk or the fridge.",
     16.00, "Sky Blue", "glass", "750 ml")
item(C, "fondue set", "1FAD5", "Alpenro", "F-6", "Cheese Fondue Set with Burner", "6 Forks",
     "Enamelled cast-iron caquelon on a stand with a gel burner and six colour-coded forks.",
     54.00, "Red", "cast iron", "1.6 L")

# ---------------------------------------------------------------- Office Supplies
C = "Office Supplies"
item(C, "pencils", "270F", "Graphyte", "HB-12", "Graphite Pencils with Eraser Tip", "Box of 12",
     "Smooth HB leads in cedar barrels, pre-sharpened.",
     4.50, "Orange", "cedar wood", "12 pencils")
item(C, "ballpoint pens", "1F58A", "Scriva", "Glide 0.7", "Retractable Ballpoint Pens", "10-Pack, Blue Ink",
     "Click pens with quick-drying ink and a soft grip.",
     6.90, "Silver", "plastic", "10 pens")
item(C, "fountain pen", "1F58B", "Scriva", "Meister", "Fountain Pen", "Medium Nib, Converter Included",
     "Weighted barrel and a steel nib that glides; fills from bottled ink or cartridges.",
     64.00, "Charcoal", "brass and steel", "14 cm")
item(C, "calligraphy nibs", "2712", "Scriva", "", "Calligraphy Dip Pen Nibs", "5 Nibs + Holder",
     "Pointed and broad nibs for lettering and copperplate.",
     12.50, "Black", "steel", "5 nibs")
item(C, "notepad", "1F5D2", "Folio", "", "Top-Spiral Steno Pad", "A5, 80 Sheets",
     "Flip-over ruled pad for lists, minutes and phone notes.",
     3.20, "White", "paper", "A5")
item(C, "desk calendar", "1F4C5", "Datum", "2026", "Desk Calendar", "Page-a-Day",
     "Tear-off daily calendar on a sturdy stand.",
     11.00, "Red", "paper", "12 x 14 cm")
item(C, "wall calendar", "1F5D3", "Datum", "2026", "Wall Planner", "Month to View, Spiral-Bound",
     "Big monthly grid with room to write appointments.",
     14.00, "Red", "paper", "30 x 42 cm")
item(C, "clipboard", "1F4CB", "Ordo", "", "Wooden Clipboard", "A4, Low-Profile Clip",
     "Hardboard writing board with a strong spring clip.",
     5.50, "Brown", "hardboard", "A4")
item(C, "push pins", "1F4CC", "Ordo", "", "Map Pins", "100-Pack",
     "Round-headed pins for corkboards and wall maps.",
     3.90, "Red", "plastic and steel", "100 pins")
item(C, "paper clips", "1F4CE", "Ordo", "", "Paper Clips", "33 mm, Box of 500",
     "Smooth wire clips that hold up to 20 sheets.",
     2.50, "Silver", "steel", "33 mm")
item(C, "ruler", "1F4CF", "Ordo", "", "Aluminium Ruler with Cork Back", "30 cm",
     "Non-slip straight edge with metric and inch markings.",
     6.00, "Silver", "aluminium", "30 cm")
item(C, "set square", "1F4D0", "Ordo", "", "Set Square", "45 Degrees, 25 cm",
     "Clear triangle for technical drawing and geometry homework.",
     3.80, "Silver", "acrylic", "25 cm")
item(C, "scissors", "2702", "Ordo", "", "Office Scissors", "21 cm, Soft-Grip",
     "Stainless blades with comfortable handles for paper, card and tape.",
     7.50, "Red", "stainless steel", "21 cm")
item(C, "card file box", "1F5C3", "Ordo", "", "Desktop Card File Box", "A-Z Dividers",
     "Index-card box with alphabet tabs for recipes, contacts or flash cards.",
     15.00, "Stone Grey", "steel", "A6 cards")
item(C, "filing cabinet", "1F5C4", "Ordo", "FC-2", "2-Drawer Steel Filing Cabinet", "Lockable",
     "Two deep drawers for hanging folders, with a key lock.",
     139.00, "Charcoal", "steel", "46 x 62 x 71 cm")
item(C, "wastebasket", "1F5D1", "Ordo", "", "Mesh Wastepaper Basket", "15 L",
     "Round wire-mesh bin for under the desk.",
     9.90, "Silver", "steel mesh", "15 L")
item(C, "folders", "1F4C1", "Ordo", "", "Recycled Card Folders", "A4, 50-Pack",
     "Sturdy grey card sleeves for sorting papers.",
     8.50, "Stone Grey", "recycled card", "A4")
item(C, "hanging files", "1F5C2", "Ordo", "", "Suspension Files with Tabs", "A4, 25-Pack",
     "Hanging files with label tabs for drawers and filing cabinets.",
     12.00, "Yellow", "card", "A4")
item(C, "gift tags", "1F3F7", "Ordo", "", "Kraft Gift Tags with String", "100-Pack",
     "Blank tags for presents, price labels or jars.",
     4.20, "Orange", "kraft card", "7 x 4 cm")

# ---------------------------------------------------------------- Notebooks & Planners
C = "Notebooks & Planners"
line(C, "notebook", "1F4D3", "Folio", "H5", "Hardcover Notebook", "A5, Dotted, 192 Pages", "paper", "A5",
     "Stone Grey", {"#9b9b9a": "main"}, [
         ("Stone Grey", 13.50, "Lay-flat dotted notebook with an elastic closure and a ribbon marker."),
         ("Navy", 13.50, "Lay-flat dotted notebook in dark blue with an elastic closure."),
         ("Forest Green", 13.50, "Lay-flat dotted notebook in deep green with a ribbon marker."),
     ])
item(C, "notebook", "1F4D2", "Folio", "P4", "Spiral Project Notebook", "A4, Ruled, 120 Sheets",
     "Wire-bound pad with perforated pages and colour-coded dividers.",
     7.20, "Yellow", "paper", "A4")
item(C, "notebook", "1F4D4", "Folio", "", "Pocket Memo Book", "A6, Ruled, 3-Pack",
     "Slim booklets that fit a back pocket, for shopping lists and quick ideas.",
     6.50, "Yellow", "paper", "A6")

# ---------------------------------------------------------------- Computers & Tablets
C = "Computers & Tablets"
item(C, "laptop", "1F4BB", "Nimbus", "Air 14", "Laptop", "14\" Display, 16 GB RAM, 512 GB SSD",
     "Thin and light notebook PC with an all-day battery and a backlit keyboard.",
     899.00, "Stone Grey", "aluminium", "14 inch")
item(C, "laptop", "1F4BB", "Nimbus", "Book 15", "Laptop", "15.6\" Display, 8 GB RAM, 256 GB SSD",
     "Everyday notebook PC for school and browsing, with a full-size keyboard.",
     549.00, "Charcoal", "plastic", "15.6 inch", swap=GREY, recolor="Charcoal")
item(C, "desktop computer", "1F5A5", "Nimbus", "Studio 27", "All-in-One Desktop PC", "27\" Screen, 1 TB SSD",
     "Computer built into a large display, with a wireless keyboard and mouse.",
     1299.00, "Stone Grey", "aluminium", "27 inch")
line(C, "tablet", "E1CC", "Nimbus", "Tab 11", "Tablet", "11\" Screen, 128 GB, Wi-Fi", "aluminium and glass",
     "11 inch", "Stone Grey", GREY, [
         ("Stone Grey", 399.00, "Slim touchscreen slate for reading, video calls and drawing."),
         ("Rose", 399.00, "Slim touchscreen slate in pink, for reading, video calls and drawing."),
     ])
item(C, "printer", "1F5A8", "Inkra", "P200", "Wireless Colour Inkjet Printer", "Print, Scan, Copy",
     "All-in-one home printer that prints from phones over Wi-Fi.",
     119.00, "Stone Grey", "plastic", "43 x 36 x 15 cm")

# ---------------------------------------------------------------- Computer Accessories
C = "Computer Accessories"
item(C, "keyboard", "2328", "Klack", "TKL-87", "Mechanical Keyboard", "Tenkeyless, Brown Switches",
     "Compact keyboard with tactile switches and a detachable USB-C cable.",
     89.00, "Silver", "aluminium and ABS", "87 keys")
item(C, "keyboard", "E1D1", "Klack", "Slim K2", "Wireless Keyboard with Numeric Keypad", "",
     "Quiet low-profile keys, pairs with three devices over Bluetooth.",
     39.00, "Black", "plastic", "105 keys")
line(C, "mouse", "1F5B1", "Klack", "M3", "Wireless Mouse", "Silent Clicks", "plastic", "11 cm",
     "Silver", {"#d0cfce": "main"}, [
         ("Silver", 24.00, "Ambidextrous cordless pointer with near-silent buttons and a 2-year battery."),
         ("Black", 24.00, "Ambidextrous cordless pointer in black with near-silent buttons."),
     ])
item(C, "trackball", "1F5B2", "Klack", "TB-1", "Ergonomic Trackball Mouse", "Thumb-Operated",
     "Roll the ball with your thumb instead of moving your arm; kind to sore wrists.",
     59.00, "Silver", "plastic", "13 cm")
item(C, "usb cable", "E1CB", "Linkd", "", "USB-C to USB-C Charging Cable", "2 m, 100 W",
     "Braided cord for fast-charging laptops, tablets and phones.",
     12.00, "White", "braided nylon", "2 m")
item(C, "power bank", "1F50B", "Voltra", "PB-20", "Portable Power Bank", "20,000 mAh, USB-C PD",
     "Pocket battery that charges a phone four times over.",
     35.00, "Green", "aluminium", "20,000 mAh")
item(C, "power cord", "1F50C", "Voltra", "", "Power Cord with EU Plug", "2 m",
     "Replacement mains lead with a figure-8 connector.",
     8.50, "Stone Grey", "PVC and copper", "2 m")
item(C, "smart plug", "E144", "Voltra", "SP-1", "Wi-Fi Smart Plug Socket", "EU, Energy Monitor",
     "Plug-in socket you switch on and off from a phone app or on a schedule.",
     19.00, "White", "plastic", "EU type F")
item(C, "blank discs", "1F4BF", "Archiv", "", "DVD-R Blank Discs", "4.7 GB, 25-Spindle",
     "Write-once discs for backups and home videos.",
     14.00, "Silver", "polycarbonate", "25 discs")
item(C, "microcontroller board", "E1D3", "Circuito", "Uno R3", "Microcontroller Board", "USB, 14 Digital I/O",
     "Programmable board for electronics projects, robots and sensors.",
     22.00, "Green", "FR4 circuit board", "69 x 53 mm")

# ---------------------------------------------------------------- Phones & Smartwatches
C = "Phones & Smartwatches"
line(C, "smartphone", "1F4F1", "Orbo", "S5", "Smartphone", "6.1\" OLED, 128 GB, Dual SIM", "glass and aluminium",
     "6.1 inch", "Stone Grey", GREY, [
         ("Stone Grey", 499.00, "Unlocked mobile with a bright screen, two cameras and a full-day battery."),
         ("Sky Blue", 499.00, "Unlocked mobile in pale blue with a bright screen and two cameras."),
         ("Black", 499.00, "Unlocked mobile in black with a bright screen and two cameras."),
     ])
item(C, "smartphone", "1F4F1", "Orbo", "A2", "Smartphone", "6.5\" LCD, 64 GB",
     "Budget mobile with a big screen and a long-lasting battery.",
     179.00, "Lavender", "plastic", "6.5 inch", swap=GREY, recolor="Lavender")
item(C, "landline phone", "260E", "Retrofon", "R-60", "Retro Corded Telephone", "Push-Button Dial",
     "Sixties-style desk phone with a real bell ringer; plugs into a landline socket.",
     49.00, "Red", "ABS", "23 x 15 cm")
item(C, "fax machine", "1F4E0", "Inkra", "FX-30", "Plain-Paper Fax Machine with Handset", "",
     "Sends and receives faxes, doubles as a copier and a corded phone.",
     149.00, "Stone Grey", "plastic", "32 x 24 cm")
item(C, "smartwatch", "E1CE", "Orbo", "Watch Active", "Smartwatch", "Heart-Rate, GPS, 5 ATM",
     "Tracks runs, sleep and steps and shows phone notifications on your wrist.",
     179.00, "Stone Grey", "aluminium and silicone", "42 mm")

# ---------------------------------------------------------------- Cameras & Optics
C = "Cameras & Optics"
item(C, "digital camera", "1F4F7", "Lumo", "X100", "Compact Digital Camera", "20 MP, 5x Optical Zoom",
     "Point-and-shoot with image stabilisation that fits in a jacket pocket.",
     229.00, "Stone Grey", "metal and plastic", "10 x 6 cm")
item(C, "instant camera", "1F4F8", "Lumo", "Snap", "Instant Film Camera", "Built-in Flash",
     "Prints credit-card-sized photos seconds after you press the shutter.",
     89.00, "Stone Grey", "plastic", "12 x 9 cm")
item(C, "camcorder", "1F4F9", "Lumo", "HV-40", "Full-HD Camcorder", "30x Zoom",
     "Handheld video camera with a flip-out screen for family videos.",
     279.00, "Stone Grey", "plastic", "13 x 6 cm")
item(C, "film projector", "1F4FD", "Lumo", "", "Super 8 Film Projector", "Refurbished",
     "Vintage home-movie projector, serviced and tested, with a spare lamp.",
     160.00, "Stone Grey", "metal", "30 x 25 cm")
item(C, "telescope", "1F52D", "Stellar", "R70", "Refractor Telescope with Tripod", "70 mm Aperture",
     "Beginner's scope for the Moon, planets and birdwatching, with two eyepieces.",
     139.00, "Stone Grey", "aluminium", "70 mm")
item(C, "microscope", "1F52C", "Stellar", "Junior", "Biological Microscope", "40x-1000x",
     "Student microscope with LED lighting and prepared slides.",
     69.00, "Stone Grey", "metal", "32 cm")
item(C, "magnifier", "1F50D", "Stellar", "", "Handheld Reading Magnifier", "3x, 90 mm Lens",
     "Large glass lens with a sturdy handle for small print and maps.",
     12.50, "Black", "glass and plastic", "90 mm")
item(C, "security camera", "E1C4", "Vigil", "C2", "Outdoor Wi-Fi Security Camera", "1080p, Night Vision",
     "Weatherproof camera that sends motion alerts to your phone.",
     59.00, "Stone Grey", "aluminium", "1080p")
item(C, "drone", "E1D2", "Skyra", "Mini 2", "Camera Drone", "4K, 30 min Flight",
     "Foldable quadcopter with a stabilised camera and return-to-home.",
     349.00, "Stone Grey", "plastic", "249 g")

# ---------------------------------------------------------------- Eyewear
C = "Eyewear"
line(C, "reading glasses", "1F453", "Optika", "R-15", "Round Reading Glasses", "+1.5 Strength", "metal", "+1.5",
     "Silver", GREY, [
         ("Silver", 19.00, "Lightweight round frames with spring hinges for reading and screens."),
         ("Black", 19.00, "Round black frames with spring hinges for reading and screens."),
     ])
line(C, "sunglasses", "1F576", "Optika", "Sol", "Round Polarised Sunglasses", "UV400", "acetate", "50 mm",
     "Black", {"#3f3f3f": "main"}, [
         ("Black", 45.00, "Round dark lenses that cut glare from water and roads."),
         ("Chocolate", 45.00, "Round tinted lenses in brown frames that cut glare from water and roads."),
     ])

# ---------------------------------------------------------------- TV & Audio
C = "TV & Audio"
line(C, "headphones", "1F3A7", "Sonara", "H7", "Wireless Over-Ear Headphones", "ANC, 30 h Battery",
     "protein leather and aluminium", "over-ear", "Silver", GREY, [
         ("Silver", 149.00, "Noise-cancelling cans with plush cushions for flights and commutes."),
         ("Black", 149.00, "Noise-cancelling cans in black with plush cushions for flights and commutes."),
         ("Navy", 149.00, "Noise-cancelling cans in dark blue with plush cushions."),
         ("Blush Pink", 139.00, "Noise-cancelling cans in soft pink with plush cushions."),
     ])
item(C, "radio", "1F4FB", "Sonara", "R2", "Retro DAB+/FM Radio", "Bluetooth, Mains or Battery",
     "Kitchen radio with a telescopic aerial and presets for your favourite stations.",
     79.00, "Silver", "plastic", "26 x 15 cm")
item(C, "microphone", "1F3A4", "Sonara", "V1", "Dynamic Vocal Microphone", "with 5 m Cable",
     "Handheld mic for karaoke, bands and speeches.",
     29.00, "Black", "metal", "18 cm")
item(C, "microphone", "1F399", "Sonara", "SM-2", "USB Condenser Microphone", "Desk Stand",
     "Studio-quality mic for podcasts, streaming and video calls; plug in and talk.",
     99.00, "Stone Grey", "metal", "USB-C")
item(C, "megaphone", "1F4E3", "Vox", "MP-25", "Handheld Megaphone", "25 W, with Siren",
     "Battery bullhorn for coaches, guides and events.",
     39.00, "Red", "ABS", "25 W")
item(C, "television", "1F4FA", "Vistara", "Q43", "4K Smart TV", "43\", HDR, Built-in Streaming Apps",
     "Ultra-HD screen with Wi-Fi and voice remote.",
     349.00, "Black", "plastic", "43 inch")

# ---------------------------------------------------------------- Musical Instruments
C = "Musical Instruments"
item(C, "saxophone", "1F3B7", "Brassworks", "AS-200", "Alto Saxophone", "Eb, with Case",
     "Student alto sax in gold lacquer with mouthpiece, reeds and a hard case.",
     499.00, "Gold", "lacquered brass", "Eb")
item(C, "trumpet", "1F3BA", "Brassworks", "TR-100", "Trumpet", "Bb, with Case",
     "Student trumpet with smooth valves, mouthpiece and gig bag.",
     229.00, "Gold", "lacquered brass", "Bb")
item(C, "trombone", "1FA8A", "Brassworks", "TB-300", "Tenor Trombone", "Bb, with Case",
     "Slide brass instrument for school bands and jazz.",
     349.00, "Gold", "lacquered brass", "Bb")
item(C, "accordion", "1FA97", "Melodia", "A-48", "Piano Accordion", "48 Bass, 26 Keys",
     "Squeezebox for folk, tango and polka, with straps.",
     399.00, "Red", "wood and celluloid", "48 bass")
line(C, "electric guitar", "1F3B8", "Strummer", "ST-1", "Electric Guitar", "Double Cutaway, 22 Frets",
     "alder body, maple neck", "full size", "Red", {"#ea5a47": "light"}, [
         ("Red", 259.00, "Solid-body guitar with three pickups and a tremolo arm."),
         ("Sky Blue", 259.00, "Solid-body guitar in pale blue with three pickups and a tremolo arm."),
         ("Black", 269.00, "Solid-body guitar in black with three pickups and a tremolo arm."),
     ])
item(C, "digital piano", "1F3B9", "Melodia", "DP-61", "61-Key Digital Keyboard", "Touch-Sensitive, Built-in Speakers",
     "Portable keyboard with 400 voices and a lesson mode for beginners.",
     189.00, "Black", "plastic", "61 keys")
item(C, "violin", "1F3BB", "Strummer", "V-44", "Violin Outfit", "4/4 Full Size, Bow and Case",
     "Solid spruce top, ebony fittings, rosin and a shaped case.",
     199.00, "Brown", "spruce and maple", "4/4")
item(C, "banjo", "1FA95", "Strummer", "B-5", "5-String Banjo", "with Resonator",
     "Bright, twangy bluegrass instrument with a closed back.",
     289.00, "Red", "mahogany", "5 strings")
item(C, "snare drum", "1F941", "Melodia", "SD-14", "Snare Drum with Sticks", "14\"",
     "Wooden-shell drum with a crisp snare and a pair of sticks.",
     119.00, "Red", "birch", "14 inch")
item(C, "conga", "1FA98", "Melodia", "", "Hand-Painted Conga Drum", "11\"",
     "Tall hand drum with a goat-skin head for Latin and African rhythms.",
     149.00, "Red", "wood and skin", "11 inch")
item(C, "maracas", "1FA87", "Melodia", "", "Wooden Maracas", "Pair",
     "Painted shakers for salsa, classrooms and parties.",
     9.00, "Multicolour", "wood", "22 cm")
item(C, "recorder", "1FA88", "Melodia", "", "Wooden Soprano Recorder", "Baroque Fingering",
     "Pear-wood recorder, the classic first wind instrument for school music.",
     29.00, "Brown", "pear wood", "32 cm")
item(C, "harp", "1FA89", "Melodia", "LH-15", "Lyre Harp", "15 Strings, with Tuning Key",
     "Small plucked harp that sits on your lap.",
     89.00, "Gold", "wood", "15 strings")
item(C, "hand bell", "1F514", "Melodia", "", "Brass Hand Bell", "Wooden Handle",
     "Loud, clear school bell for classrooms and shops.",
     17.00, "Yellow", "brass", "15 cm")

# ---------------------------------------------------------------- Tools & Hardware
C = "Tools & Hardware"
item(C, "hammer", "1F528", "Ironclad", "CH-16", "Claw Hammer", "16 oz, Hickory Handle",
     "Drives and pulls nails; a toolbox essential.",
     16.00, "Brown", "steel and hickory", "16 oz")
item(C, "axe", "1FA93", "Ironclad", "", "Splitting Axe", "1.5 kg",
     "Wedge-shaped head for splitting firewood logs.",
     45.00, "Brown", "steel and ash", "70 cm")
item(C, "pickaxe", "26CF", "Ironclad", "", "Pickaxe", "2.5 kg",
     "Pointed and chisel ends for breaking hard ground and roots.",
     39.00, "Brown", "forged steel", "90 cm")
item(C, "hand saw", "1FA9A", "Ironclad", "HS-22", "Hand Saw", "22\", Hardpoint Teeth",
     "Crosscut saw for timber, shelves and DIY.",
     19.00, "Red", "steel", "22 inch")
item(C, "wrench", "1F527", "Ironclad", "", "Combination Spanner", "17 mm",
     "Open end and ring end in one, chrome vanadium.",
     8.50, "Silver", "chrome vanadium steel", "17 mm")
item(C, "screwdriver", "1FA9B", "Ironclad", "", "Slotted Screwdriver", "6 x 150 mm",
     "Magnetic tip and a comfortable two-part handle.",
     6.00, "Orange", "steel and plastic", "150 mm")
item(C, "nuts and bolts", "1F529", "Ironclad", "", "Nuts & Bolts Assortment", "240 Pieces",
     "Metric hex bolts, nuts and washers in a sorting case.",
     14.00, "Silver", "zinc-plated steel", "M4-M8")
item(C, "clamp", "1F5DC", "Ironclad", "", "G-Clamp", "4\", Pair",
     "Holds wood steady while glue dries or while you saw.",
     11.00, "Stone Grey", "cast iron", "4 inch")
item(C, "toolbox", "1F9F0", "Ironclad", "TB-48", "Metal Toolbox with Tools", "48 Pieces",
     "Cantilever box with hammer, spanners, pliers, screwdrivers and bits.",
     69.00, "Red", "steel", "48 pieces")
item(C, "ladder", "1FA9C", "Ironclad", "", "Wooden Step Ladder", "8 Rungs",
     "Sturdy ladder for painting, pruning and reaching the top shelf.",
     85.00, "Brown", "pine", "2.4 m")
item(C, "flashlight", "1F526", "Voltra", "T-900", "LED Flashlight", "900 Lumens, Rechargeable",
     "Aluminium torch with a zoomable beam for power cuts and camping.",
     24.00, "Silver", "aluminium", "15 cm")
item(C, "fire extinguisher", "1F9EF", "Vigil", "", "Fire Extinguisher", "2 kg ABC Powder",
     "For home, car and workshop, with a wall bracket.",
     34.00, "Red", "steel", "2 kg")
item(C, "hooks", "1FA9D", "Ironclad", "", "Heavy-Duty S-Hooks", "10-Pack",
     "Steel hooks for hanging pans, tools or plants.",
     7.50, "Stone Grey", "steel", "8 cm")

# ---------------------------------------------------------------- Garden & Plants
C = "Garden & Plants"
line(C, "gardening gloves", "E342", "Greenthumb", "", "Gardening Gloves", "Thorn-Resistant", "cotton and latex",
     "M", "Green", {"#5c9e31": "main", "#b1cc33": "light"}, [
         ("Green", 9.00, "Coated work gloves for weeding, pruning roses and potting."),
         ("Rose", 9.00, "Coated work gloves in pink for weeding, pruning and potting."),
     ])
item(C, "lawn mower", "E343", "Greenthumb", "LM-40", "Cordless Lawn Mower", "40 cm, 36 V",
     "Battery push mower with a grass box, for medium lawns.",
     299.00, "Green", "steel and plastic", "40 cm")
item(C, "wheelbarrow", "E344", "Greenthumb", "", "Steel Wheelbarrow", "90 L",
     "Pneumatic-tyre barrow for soil, compost and bricks.",
     79.00, "Green", "steel", "90 L")
item(C, "spade", "E345", "Greenthumb", "", "Digging Spade", "Ash Handle",
     "Flat blade for digging beds and planting shrubs.",
     29.00, "Brown", "steel and ash", "1 m")
item(C, "trowel", "E346", "Greenthumb", "", "Hand Trowel", "Stainless Steel",
     "Small scoop for potting and planting bulbs.",
     8.00, "Brown", "stainless steel and wood", "30 cm")
item(C, "pruning saw", "E348", "Greenthumb", "", "Pruning Saw", "33 cm",
     "Curved blade for branches too thick for loppers.",
     22.00, "Brown", "steel", "33 cm")
item(C, "shovel", "1FA8F", "Greenthumb", "", "Round-Point Shovel", "",
     "For digging holes and moving sand, gravel or snow.",
     27.00, "Brown", "steel and wood", "1.2 m")
item(C, "watering bucket", "1FAA3", "Greenthumb", "", "Plastic Bucket with Handle", "10 L",
     "All-purpose pail for the garden, car washing and mopping.",
     5.00, "Sky Blue", "polypropylene", "10 L")
item(C, "houseplant", "1FAB4", "Leafy", "", "Kentia Palm in Terracotta Pot", "60 cm",
     "Easy-care indoor palm that brightens a shady corner.",
     34.00, "Green", "live plant", "60 cm")
item(C, "cactus", "1F335", "Leafy", "", "Saguaro Cactus", "35 cm",
     "Nearly indestructible plant for a sunny windowsill.",
     18.00, "Green", "live plant", "35 cm")
item(C, "seed kit", "1F331", "Leafy", "", "Herb Seed Starter Kit", "Basil, Parsley, Chives",
     "Seeds, peat pots and compost to grow herbs on the windowsill.",
     12.00, "Green", "seeds", "3 herbs")
item(C, "flowers", "1F490", "Leafy", "", "Fresh Tulip Bouquet", "15 Stems",
     "Mixed spring tulips, hand-tied and delivered in water.",
     29.00, "Multicolour", "cut flowers", "15 stems")
item(C, "flowers", "1F33B", "Leafy", "", "Dwarf Sunflower Plant", "Potted",
     "Cheerful yellow blooms for a balcony or a sunny border.",
     9.50, "Yellow", "live plant", "30 cm")

# ---------------------------------------------------------------- Bath & Beauty
C = "Bath & Beauty"
line(C, "toothbrush", "1FAA5", "Purea", "", "Soft Toothbrush", "Pack of 2", "nylon bristles", "19 cm",
     "Sky Blue", {"#92d3f5": "main"}, [
         ("Sky Blue", 4.50, "Gentle bristles and a slim head that reaches back teeth."),
         ("Lime", 4.50, "Gentle bristles and a slim head, in bright green."),
     ])
item(C, "soap", "1F9FC", "Purea", "", "Rose Glycerin Soap Bar", "100 g",
     "Mild bar soap with a soft floral scent.",
     3.90, "Pink", "glycerin", "100 g")
item(C, "lotion", "1F9F4", "Purea", "", "Hand & Body Lotion", "250 ml Pump",
     "Fast-absorbing moisturiser for dry skin.",
     8.90, "Red", "shea butter", "250 ml")
item(C, "razor", "1FA92", "Purea", "Edge 5", "Five-Blade Razor", "with 2 Refills",
     "Pivoting head for a close, smooth shave.",
     14.00, "Silver", "steel and plastic", "5 blades")
item(C, "hair pick", "1FAAE", "Purea", "", "Wide-Tooth Hair Pick", "",
     "Long-tooth comb for curls and afros.",
     5.00, "Black", "plastic", "18 cm")
line(C, "lipstick", "1F484", "Velour", "", "Satin Lipstick", "3.5 g", "wax and pigment", "3.5 g",
     "Cherry Red", RED, [
         ("Cherry Red", 12.00, "Creamy, long-wear colour in a classic true red."),
         ("Rose", 12.00, "Creamy, long-wear colour in a soft pink."),
         ("Plum", 12.00, "Creamy, long-wear colour in a deep berry shade."),
     ])
item(C, "mirror", "1FA9E", "Velour", "", "Ornate Gold Vanity Mirror", "40 x 60 cm",
     "Baroque-style frame for a dressing table or hallway wall.",
     59.00, "Gold", "resin and glass", "40 x 60 cm")

# ---------------------------------------------------------------- Health & First Aid
C = "Health & First Aid"
item(C, "first aid kit", "E140", "Medix", "FA-100", "First Aid Kit", "100 Pieces, Hard Case",
     "Plasters, gauze, bandages, scissors and tweezers for home or car.",
     24.00, "White", "ABS", "100 pieces")
item(C, "first aid kit", "E309", "Medix", "FA-Pro", "Paramedic First Aid Bag", "Fully Stocked",
     "Large zipped kit for sports clubs, workplaces and events.",
     69.00, "White", "nylon", "220 pieces")
item(C, "plasters", "1FA79", "Medix", "", "Fabric Plasters", "Assorted, 40-Pack",
     "Flexible breathable bandages for cuts and blisters.",
     3.50, "Pink", "fabric", "40 plasters")
item(C, "vitamins", "1F48A", "Medix", "", "Vitamin D3 Capsules", "1000 IU, 120-Count",
     "One-a-day supplement for the darker months.",
     9.00, "Red", "gelatin capsules", "120 capsules")
item(C, "thermometer", "E324", "Medix", "", "Digital Clinical Thermometer", "10-Second Reading",
     "Oral, underarm or rectal use, with a fever beep.",
     7.90, "White", "plastic", "13 cm")
item(C, "stethoscope", "1FA7A", "Medix", "", "Dual-Head Stethoscope", "",
     "For nursing students, carers and home blood-pressure checks.",
     29.00, "Black", "steel and PVC", "76 cm")
line(C, "hot-water bottle", "E30F", "Medix", "", "Hot-Water Bottle", "2 L", "natural rubber", "2 L",
     "Sky Blue", {"#92d3f5": "light", "#61b2e4": "main"}, [
         ("Sky Blue", 11.00, "Classic rubber bottle for cold feet and cramps."),
         ("Rose", 11.00, "Classic rubber bottle in pink for cold feet and cramps."),
     ])
item(C, "crutch", "1FA7C", "Medix", "", "Adjustable Forearm Crutch", "",
     "Lightweight aluminium crutch with a cuff and a non-slip tip.",
     25.00, "Stone Grey", "aluminium", "adjustable")
item(C, "bathroom scale", "E32B", "Medix", "", "Bathroom Scale", "180 kg, Analogue Dial",
     "Easy-read dial scale for daily weigh-ins.",
     22.00, "Sky Blue", "steel and glass", "180 kg")

# ---------------------------------------------------------------- Furniture & Decor
C = "Furniture & Decor"
line(C, "chair", "1FA91", "Hyggelig", "C1", "Wooden Dining Chair", "", "beech wood", "45 x 50 x 82 cm",
     "Sunflower Yellow", {"#fcea2b": "light", "#f1b31c": "main"}, [
         ("Sunflower Yellow", 89.00, "Spindle-back chair painted in a happy yellow."),
         ("Forest Green", 89.00, "Spindle-back chair painted deep green."),
         ("White", 85.00, "Spindle-back chair painted white, Scandinavian style."),
     ])
line(C, "armchair", "E141", "Hyggelig", "Lounge", "Upholstered Armchair", "", "fabric and wood", "80 x 85 x 90 cm",
     "Cobalt Blue", {"#61b2e4": "main"}, [
         ("Cobalt Blue", 329.00, "Deep, cosy reading chair with a padded seat and rolled arms."),
         ("Mustard", 329.00, "Deep, cosy reading chair in ochre with rolled arms."),
         ("Charcoal", 319.00, "Deep, cosy reading chair in dark grey with rolled arms."),
     ])
item(C, "sofa", "1F6CB", "Hyggelig", "Lounge", "Two-Seater Sofa with Floor Lamp Set", "",
     "Compact couch for small living rooms, sold with a matching arc lamp.",
     599.00, "Sky Blue", "fabric and wood", "150 cm")
item(C, "bed", "1F6CF", "Hyggelig", "Nord", "Wooden Double Bed Frame", "140 x 200 cm",
     "Solid pine bed with a slatted base; mattress not included.",
     279.00, "Brown", "pine", "140 x 200 cm")
item(C, "framed picture", "1F5BC", "Galerie", "", "Framed Landscape Art Print", "40 x 50 cm",
     "Mountain and sun print in a wooden frame, ready to hang.",
     39.00, "Brown", "paper and wood", "40 x 50 cm")
item(C, "canvas print", "E142", "Galerie", "", "Canvas Wall Art, Mountain Landscape", "60 x 40 cm",
     "Stretched canvas print of blue peaks over green hills.",
     45.00, "Blue", "canvas", "60 x 40 cm")
item(C, "vase", "1F3FA", "Galerie", "", "Greek Amphora Vase", "35 cm",
     "Terracotta vase with a hand-painted meander border.",
     42.00, "Terracotta", "terracotta", "35 cm")
item(C, "mantel clock", "1F570", "Tempo", "", "Wooden Mantel Clock", "Quartz",
     "Classic shelf clock in a walnut-finish case.",
     65.00, "Walnut", "wood", "30 cm")
item(C, "alarm clock", "23F0", "Tempo", "Bell", "Twin-Bell Alarm Clock", "Analogue",
     "Loud old-school ringer for heavy sleepers.",
     18.00, "White", "metal", "12 cm")
item(C, "hourglass", "23F3", "Tempo", "", "Sand Timer Hourglass", "30 Minutes",
     "Wood and glass timer for the desk, study breaks and board games.",
     16.00, "Brown", "wood and glass", "18 cm")
item(C, "lantern", "1F3EE", "Lumina", "", "Red Paper Lantern", "40 cm",
     "Traditional hanging lantern for parties and festivals.",
     12.00, "Red", "paper and bamboo", "40 cm")
line(C, "candle", "1F56F", "Lumina", "", "Unscented Pillar Candle", "15 cm, 40 h Burn", "wax", "15 cm",
     "White", {"#ffffff": "main"}, [
         ("White", 7.00, "Dripless pillar candle for dinner tables and power cuts."),
         ("Blush Pink", 7.50, "Dripless pillar candle in soft pink."),
     ])
item(C, "light bulb", "1F4A1", "Lumina", "E27-9", "LED Light Bulb", "E27, 9 W, Warm White",
     "Energy-saving bulb that replaces a 60 W incandescent.",
     4.00, "Yellow", "glass", "E27")
item(C, "oil lamp", "1FA94", "Lumina", "", "Clay Diya Oil Lamp", "Set of 6",
     "Hand-made clay lamps for Diwali and festive tables.",
     8.00, "Brown", "clay", "8 cm")

# ---------------------------------------------------------------- Cleaning & Laundry
C = "Cleaning & Laundry"
item(C, "broom", "1F9F9", "Sauber", "", "Traditional Broom", "with Wooden Handle",
     "Stiff natural bristles for porches, patios and garages.",
     15.00, "Yellow", "straw and wood", "130 cm")
item(C, "sponge", "1F9FD", "Sauber", "", "Cleaning Sponges", "10-Pack",
     "Absorbent sponges for dishes and worktops.",
     3.00, "Yellow", "cellulose", "10 sponges")
item(C, "paper towels", "1F9FB", "Sauber", "", "Kitchen Paper Towels", "8 Rolls",
     "Two-ply absorbent rolls for spills.",
     6.50, "White", "paper", "8 rolls")
item(C, "washing machine", "E1CF", "Sauber", "WM-8", "Front-Loading Washing Machine", "8 kg, 1400 rpm",
     "Energy-efficient washer with quick and eco cycles.",
     449.00, "White", "steel", "8 kg")
item(C, "basket", "1F9FA", "Sauber", "", "Wicker Picnic Basket with Handle", "",
     "Woven basket for picnics, laundry pegs or shopping.",
     24.00, "Brown", "wicker", "40 cm")

# ---------------------------------------------------------------- Tops & Shirts
C = "Tops & Shirts"
line(C, "polo shirt", "1F455", "Harbor & Pine", "", "Classic Pique Polo Shirt", "Regular Fit", "cotton pique",
     "S-XXL", "Cobalt Blue", BLUE, [
         ("Cobalt Blue", 29.00, "Short-sleeve collared top with a three-button placket."),
         ("Navy", 29.00, "Short-sleeve collared top in dark blue with a three-button placket."),
         ("White", 27.00, "Short-sleeve collared top in white with a three-button placket."),
         ("Cherry Red", 29.00, "Short-sleeve collared top in bright red with a three-button placket."),
         ("Forest Green", 29.00, "Short-sleeve collared top in deep green with a three-button placket."),
     ])
line(C, "blouse", "1F45A", "Marisol", "", "V-Neck Tunic Blouse", "Relaxed Fit", "viscose", "XS-XL",
     "Plum", PURPLE, [
         ("Plum", 35.00, "Flowing short-sleeve top with a V neckline."),
         ("Blush Pink", 35.00, "Flowing short-sleeve top in pale pink with a V neckline."),
         ("Mustard", 35.00, "Flowing short-sleeve top in golden yellow with a V neckline."),
     ])
item(C, "dress shirt", "1F454", "Harbor & Pine", "", "Oxford Shirt and Silk Tie Set", "Slim Fit",
     "Light blue button-down with a purple tie; ready for the office or interviews.",
     59.00, "Sky Blue", "cotton and silk", "S-XXL")

# ---------------------------------------------------------------- Dresses & Robes
C = "Dresses & Robes"
line(C, "dress", "1F457", "Marisol", "", "Sleeveless Midi Dress", "A-Line", "cotton", "XS-XL",
     "Cobalt Blue", BLUE, [
         ("Cobalt Blue", 55.00, "Flared midi with thin straps and a V neck for summer evenings."),
         ("Black", 59.00, "Flared midi in black with thin straps; parties and dinners."),
         ("Cherry Red", 55.00, "Flared midi in red with thin straps and a V neck."),
         ("Sunflower Yellow", 52.00, "Flared midi in yellow with thin straps; picnics and weddings."),
     ])
item(C, "kimono", "1F458", "Kumo", "", "Floral Cotton Kimono Robe", "One Size",
     "Wide-sleeved wrap robe with a sash, printed with blossoms.",
     69.00, "Pink", "cotton", "one size")
item(C, "sari", "1F97B", "Kumo", "", "Georgette Saree with Blouse Piece", "5.5 m",
     "Lightweight drape with a contrast border, for festivals and weddings.",
     79.00, "Lavender", "georgette", "5.5 m")

# ---------------------------------------------------------------- Trousers & Shorts
C = "Trousers & Shorts"
line(C, "jeans", "1F456", "Harbor & Pine", "HP-12", "Straight-Leg Jeans", "Mid Rise", "denim", "W28-W38",
     "Cobalt Blue", BLUE, [
         ("Cobalt Blue", 59.00, "Five-pocket denim with a straight leg and a little stretch."),
         ("Black", 62.00, "Five-pocket denim in black with a straight leg."),
         ("Sky Blue", 59.00, "Five-pocket denim in a light, faded wash."),
     ])
line(C, "shorts", "1FA73", "Harbor & Pine", "", "Elastic-Waist Shorts", "Above the Knee", "cotton jersey", "S-XXL",
     "Silver", {"#d0cfce": "main"}, [
         ("Silver", 25.00, "Light grey pull-on shorts with a drawcord, for the gym, the beach or lounging."),
         ("Sand", 25.00, "Khaki pull-on shorts with a drawcord, for the gym, the beach or lounging."),
     ])

# ---------------------------------------------------------------- Coats & Knitwear
C = "Coats & Knitwear"
line(C, "coat", "1F9E5", "Northvik", "", "Belted Trench Coat", "Water-Repellent", "cotton gabardine", "XS-XXL",
     "Camel", BROWN, [
         ("Camel", 149.00, "Double-breasted mac with a belt, for rainy spring days."),
         ("Navy", 149.00, "Double-breasted mac in dark blue with a belt."),
         ("Black", 155.00, "Double-breasted mac in black with a belt."),
     ])
line(C, "scarf", "1F9E3", "Northvik", "", "Chunky Knit Scarf", "180 cm", "merino wool", "180 cm",
     "Cherry Red", RED, [
         ("Cherry Red", 25.00, "Long, thick wrap for icy winds."),
         ("Stone Grey", 25.00, "Long, thick wrap in grey for icy winds."),
         ("Mustard", 25.00, "Long, thick wrap in mustard yellow for icy winds."),
     ])
line(C, "mittens", "1F9E4", "Northvik", "", "Fleece-Lined Mittens", "", "wool and fleece", "S/M, L/XL",
     "Cherry Red", {"#ea5a47": "main"}, [
         ("Cherry Red", 18.00, "Warm knitted mitts with a soft fleece lining."),
         ("Navy", 18.00, "Warm knitted mitts in dark blue with a fleece lining."),
     ])
item(C, "lab coat", "1F97C", "Harbor & Pine", "", "White Lab Coat", "Unisex",
     "Knee-length coat with pockets for labs, clinics and science class.",
     32.00, "White", "polycotton", "S-XXL")
item(C, "safety vest", "1F9BA", "Ironclad", "", "High-Visibility Safety Vest", "EN ISO 20471",
     "Fluorescent vest with reflective strips for roadwork, cycling and school runs.",
     8.00, "Orange", "polyester", "one size")

# ---------------------------------------------------------------- Swimwear & Underwear
C = "Swimwear & Underwear"
line(C, "swimsuit", "1FA71", "Coralline", "", "Scoop-Back Swimsuit", "Chlorine-Resistant", "recycled nylon",
     "34-44", "Lavender", PURPLE, [
         ("Lavender", 45.00, "One-piece for pool laps and beach days."),
         ("Black", 45.00, "One-piece in black for pool laps and beach days."),
     ])
line(C, "bikini", "1F459", "Coralline", "", "Triangle Bikini Set", "", "recycled nylon", "XS-L",
     "Lavender", {"#b399c8": "main"}, [
         ("Lavender", 39.00, "Two-piece with a tie-back top for sunbathing."),
         ("Cherry Red", 39.00, "Two-piece in red with a tie-back top."),
     ])
item(C, "briefs", "1FA72", "Harbor & Pine", "", "Cotton Hipster Briefs", "3-Pack",
     "Soft stretch-cotton underwear for everyday.",
     19.00, "Cobalt Blue", "cotton", "XS-XL")
line(C, "socks", "1F9E6", "Harbor & Pine", "", "Cushioned Crew Socks", "3 Pairs", "cotton blend", "39-46",
     "Tangerine", {"#e27022": "main", "#f4aa41": "light"}, [
         ("Tangerine", 12.00, "Thick-soled everyday socks with a reinforced heel."),
         ("Charcoal", 12.00, "Thick-soled everyday socks in dark grey."),
     ])

# ---------------------------------------------------------------- Shoes & Boots
C = "Shoes & Boots"
line(C, "running shoes", "1F45F", "Stride", "Aero 3", "Running Shoes", "Cushioned Road Trainer", "mesh",
     "EU 36-47", "Stone Grey", GREY, [
         ("Stone Grey", 95.00, "Lightweight trainers with springy foam for daily miles."),
         ("Cobalt Blue", 95.00, "Lightweight trainers in blue with springy foam for daily miles."),
         ("Cherry Red", 95.00, "Lightweight trainers in red with springy foam for daily miles."),
         ("Lime", 89.00, "Lightweight trainers in neon green with springy foam."),
     ])
line(C, "oxford shoes", "1F45E", "Whitcombe", "", "Leather Oxford Shoes", "Goodyear Welted", "calf leather",
     "EU 40-46", "Camel", {"#a57939": "main"}, [
         ("Camel", 129.00, "Lace-up dress shoes with a leather sole for suits and weddings."),
         ("Black", 129.00, "Lace-up dress shoes in black leather for suits and funerals."),
     ])
item(C, "hiking boots", "1F97E", "Stride", "Ridge GTX", "Waterproof Hiking Boots", "Mid Cut",
     "Grippy lugged soles and ankle support for rough trails.",
     139.00, "Camel", "nubuck leather", "EU 36-47")
line(C, "ballet flats", "1F97F", "Marisol", "", "Ballet Flats", "Cushioned Insole", "faux leather", "EU 35-42",
     "Blush Pink", {"#ffa7c0": "main"}, [
         ("Blush Pink", 39.00, "Slip-on flats that fold into a handbag."),
         ("Black", 39.00, "Slip-on flats in black that fold into a handbag."),
     ])
line(C, "high heels", "1F460", "Marisol", "", "Stiletto Pumps", "9 cm Heel", "patent leather", "EU 35-42",
     "Cherry Red", {"#d22f27": "main"}, [
         ("Cherry Red", 79.00, "Pointed-toe heels for parties and nights out."),
         ("Black", 79.00, "Pointed-toe heels in black for parties and the office."),
     ])
item(C, "heeled sandals", "1F461", "Marisol", "", "Block-Heel Sandals", "7 cm",
     "Open-toe slides on a steady heel, comfortable all evening.",
     55.00, "Chocolate", "suede", "EU 35-42")
item(C, "tall boots", "1F462", "Marisol", "", "Knee-High Riding Boots", "",
     "Tall leather boots with a low heel for autumn and winter.",
     149.00, "Chocolate", "leather", "EU 35-42")
line(C, "flip-flops", "1FA74", "Coralline", "", "Rubber Flip-Flops", "", "rubber", "EU 35-46",
     "Sunflower Yellow", {"#fcea2b": "main"}, [
         ("Sunflower Yellow", 9.00, "Beach and pool thongs that dry in minutes."),
         ("Sky Blue", 9.00, "Beach and pool thongs in light blue."),
     ])
item(C, "ballet shoes", "1FA70", "Marisol", "", "Satin Ballet Slippers", "Split Sole",
     "Dance shoes with elastic straps for ballet class.",
     24.00, "Pink", "satin", "EU 28-40")

# ---------------------------------------------------------------- Hats & Caps
C = "Hats & Caps"
item(C, "top hat", "1F3A9", "Whitcombe", "", "Felt Top Hat", "with Yellow Band",
     "Tall formal hat for weddings, costumes and magicians.",
     45.00, "Black", "wool felt", "57-59 cm")
item(C, "sun hat", "1F452", "Coralline", "", "Straw Sun Hat with Ribbon", "Wide Brim",
     "Shady straw hat for gardens, beaches and summer fetes.",
     29.00, "Yellow", "straw", "57 cm")
line(C, "baseball cap", "1F9E2", "Stride", "", "Baseball Cap", "Adjustable Strap", "cotton twill", "one size",
     "Forest Green", {"#186648": "main", "#5c9e31": "light", "#b1cc33": "light"}, [
         ("Forest Green", 19.00, "Six-panel cap with a curved peak."),
         ("Navy", 19.00, "Six-panel cap in dark blue with a curved peak."),
         ("Cherry Red", 19.00, "Six-panel cap in red with a curved peak."),
     ])
item(C, "graduation cap", "1F393", "Whitcombe", "", "Graduation Mortarboard with Tassel", "",
     "Square academic cap for graduation day photos.",
     15.00, "Black", "polyester", "one size")
line(C, "motorcycle helmet", "E14A", "Velocita", "FF-1", "Full-Face Motorcycle Helmet", "ECE 22.06",
     "polycarbonate", "S-XL", "Cherry Red", {"#d22f27": "main"}, [
         ("Cherry Red", 129.00, "Road helmet with a clear visor and removable padding."),
         ("Black", 129.00, "Road helmet in black with a clear visor and removable padding."),
     ])

# ---------------------------------------------------------------- Bags & Luggage
C = "Bags & Luggage"
line(C, "backpack", "1F392", "Trekka", "Daypack 22", "Backpack", "22 L, Padded Laptop Sleeve", "recycled polyester",
     "22 L", "Cherry Red", RED, [
         ("Cherry Red", 49.00, "Everyday pack for school, work and day hikes."),
         ("Navy", 49.00, "Everyday pack in dark blue for school, work and day hikes."),
         ("Forest Green", 49.00, "Everyday pack in green for school, work and day hikes."),
         ("Black", 52.00, "Everyday pack in black for school, work and commutes."),
     ])
line(C, "handbag", "1F45C", "Marisol", "", "Structured Top-Handle Handbag", "", "faux leather", "30 x 24 cm",
     "Chocolate", {"#6a462f": "main"}, [
         ("Chocolate", 69.00, "Boxy handbag with a clasp and a detachable shoulder strap."),
         ("Black", 69.00, "Boxy handbag in black with a clasp and a shoulder strap."),
         ("Burgundy", 69.00, "Boxy handbag in wine red with a clasp and a shoulder strap."),
     ])
item(C, "clutch", "1F45D", "Marisol", "", "Evening Clutch Bag", "",
     "Slim envelope bag for weddings and dinners.",
     35.00, "Camel", "faux leather", "26 x 14 cm")
item(C, "coin purse", "1F45B", "Marisol", "", "Kiss-Lock Coin Purse", "",
     "Small frame purse for coins and cards.",
     14.00, "Lavender", "velvet", "12 x 9 cm")
item(C, "tote bag", "1F6CD", "Marisol", "", "Shopping Tote Bags", "Set of 2",
     "Sturdy reusable bags for groceries and the market.",
     16.00, "Yellow", "coated paper", "40 x 35 cm")
item(C, "suitcase", "1F9F3", "Trekka", "Voyager", "Vintage-Style Suitcase with Travel Stickers", "Medium, 60 L",
     "Leather-look trunk case with sturdy straps and a handle.",
     119.00, "Camel", "faux leather and wood", "60 L")
item(C, "briefcase", "1F4BC", "Whitcombe", "", "Leather Briefcase", "Fits 15\" Laptop",
     "Classic satchel-style case with a brass clasp for documents and a laptop.",
     159.00, "Chocolate", "leather", "40 x 30 cm")
line(C, "umbrella", "2602", "Trekka", "", "Windproof Umbrella", "Auto Open, 105 cm", "pongee and fibreglass",
     "105 cm", "Lavender", PURPLE, [
         ("Lavender", 25.00, "Big canopy that flexes in gusts instead of flipping."),
         ("Navy", 25.00, "Big canopy in dark blue that flexes in gusts."),
         ("Black", 25.00, "Big canopy in black that flexes in gusts."),
     ])

# ---------------------------------------------------------------- Jewellery & Watches
C = "Jewellery & Watches"
line(C, "wristwatch", "231A", "Tempo", "Classic 38", "Analogue Wristwatch", "38 mm, Quartz", "steel",
     "38 mm", "Stone Grey", {"#9b9b9a": "main", "#d0cfce": "light"}, [
         ("Stone Grey", 89.00, "Minimalist square watch with a steel case and a matching strap."),
         ("Black", 89.00, "Minimalist square watch in black."),
         ("Camel", 95.00, "Minimalist square watch with a tan strap."),
     ])
item(C, "ring", "1F48D", "Lumiere", "", "Solitaire Engagement Ring", "0.5 ct Lab-Grown Diamond",
     "Sterling silver band with a single sparkling stone.",
     499.00, "Silver", "sterling silver", "sizes 5-9")
item(C, "necklace", "1F4FF", "Lumiere", "", "Red Coral Bead Necklace", "108 Beads",
     "Long strand of red beads with a tassel, also worn as a mala.",
     39.00, "Red", "coral and cotton", "90 cm")
item(C, "charm", "1F9FF", "Lumiere", "", "Evil Eye Glass Charm", "",
     "Blue glass nazar to hang by the door or on a bag.",
     9.00, "Blue", "glass", "6 cm")

# ---------------------------------------------------------------- Sports & Fitness
C = "Sports & Fitness"
item(C, "football", "26BD", "Kickline", "Match 5", "Football", "Size 5, Hand-Stitched",
     "Classic black-and-white match ball for grass and turf.",
     25.00, "White", "PU leather", "size 5")
item(C, "baseball", "26BE", "Kickline", "", "Leather Baseballs", "3-Pack",
     "Regulation balls with red stitching for practice and games.",
     15.00, "White", "leather", "9 inch")
item(C, "basketball", "1F3C0", "Kickline", "Court 7", "Basketball", "Size 7, Indoor/Outdoor",
     "Grippy composite ball for the driveway hoop or the gym.",
     29.00, "Orange", "composite leather", "size 7")
item(C, "volleyball", "1F3D0", "Kickline", "", "Volleyball", "Soft Touch",
     "Light ball for beach and indoor volleyball.",
     22.00, "White", "synthetic leather", "size 5")
item(C, "american football", "1F3C8", "Kickline", "", "American Football", "Official Size",
     "Pebble-grain ball with laces for throwing spirals.",
     24.00, "Brown", "composite leather", "size 9")
item(C, "tennis balls", "1F3BE", "Racketeer", "", "Tennis Balls", "Tube of 4",
     "Pressurised all-court balls.",
     6.00, "Yellow", "felt and rubber", "4 balls")
item(C, "flying disc", "1F94F", "Kickline", "", "Ultimate Flying Disc", "175 g",
     "Regulation disc for ultimate and park throwing.",
     12.00, "Sky Blue", "plastic", "27 cm")
item(C, "bowling set", "1F3B3", "Kickline", "", "Bowling Pins and Ball Set", "10 Pins",
     "Lawn and hallway bowling game for families.",
     29.00, "White", "plastic", "10 pins")
item(C, "cricket bat", "1F3CF", "Kickline", "", "Cricket Bat and Ball", "Size 5",
     "Willow bat with a leather ball for back-garden cricket.",
     45.00, "Brown", "willow", "size 5")
item(C, "table tennis bat", "1F3D3", "Racketeer", "", "Table Tennis Bat", "with 3 Balls",
     "Rubber-faced paddle with balls for ping pong.",
     14.00, "Red", "wood and rubber", "standard")
item(C, "badminton set", "1F3F8", "Racketeer", "", "Badminton Racket and Shuttlecock Set", "",
     "Light racket and feather shuttles for the garden or the hall.",
     19.00, "Silver", "aluminium", "66 cm")
line(C, "boxing gloves", "1F94A", "Kickline", "", "Boxing Gloves", "12 oz", "synthetic leather", "12 oz",
     "Cherry Red", RED, [
         ("Cherry Red", 39.00, "Padded training gloves for bag work and sparring."),
         ("Black", 39.00, "Padded training gloves in black for bag work and sparring."),
     ])
item(C, "martial arts uniform", "1F94B", "Kickline", "", "Judo Gi Uniform", "with Belt",
     "Heavyweight cotton jacket and trousers for judo and karate.",
     45.00, "Stone Grey", "cotton", "140-200 cm")
item(C, "goal", "1F945", "Kickline", "", "Pop-Up Football Goal", "180 x 120 cm",
     "Foldable goal with a net for the garden.",
     35.00, "White", "fibreglass and nylon", "180 x 120 cm")
item(C, "golf", "26F3", "Kickline", "", "Putting Green Flag and Cup", "",
     "Practise putting at home with a flag pole and a hole cup.",
     19.00, "Red", "plastic", "60 cm")
item(C, "fishing rod", "1F3A3", "Trekka", "", "Telescopic Fishing Rod", "with Reel and Line",
     "Collapsible rod for lakes and piers, comes with a reel.",
     49.00, "Brown", "carbon fibre", "2.4 m")
item(C, "snorkel set", "1F93F", "Coralline", "", "Snorkel Mask Set", "Anti-Fog",
     "Tempered-glass mask with a dry-top snorkel.",
     29.00, "Sky Blue", "silicone and glass", "adult")
item(C, "bicycle", "1F6B2", "Velocita", "City 7", "City Bike", "7-Speed, 28\" Wheels",
     "Upright commuter bicycle with mudguards and a rack.",
     449.00, "Red", "aluminium", "M")
item(C, "kick scooter", "1F6F4", "Velocita", "", "Folding Kick Scooter", "Adult, 200 mm Wheels",
     "Fold-and-go scooter for commutes and campus.",
     99.00, "Red", "aluminium", "200 mm")
item(C, "skateboard", "1F6F9", "Velocita", "", "Complete Skateboard", "31\"",
     "Maple deck with trucks and wheels, ready to ride.",
     59.00, "Red", "maple", "31 inch")
line(C, "roller skates", "1F6FC", "Velocita", "", "Quad Roller Skates", "", "faux leather", "EU 35-44",
     "Sky Blue", {"#61b2e4": "main"}, [
         ("Sky Blue", 69.00, "Retro four-wheel skates with a toe stop."),
         ("Rose", 69.00, "Retro four-wheel skates in pink with a toe stop."),
     ])

# ---------------------------------------------------------------- Winter Sports
C = "Winter Sports"
item(C, "skis", "1F3BF", "Alpenro", "", "All-Mountain Skis with Boots", "160 cm",
     "Ski set with bindings and boots for groomed runs.",
     399.00, "Blue", "wood core", "160 cm")
item(C, "sled", "1F6F7", "Alpenro", "", "Steel Runner Sledge", "",
     "Classic sled for snowy hills.",
     59.00, "Sky Blue", "steel and plastic", "90 cm")
item(C, "ice skates", "26F8", "Alpenro", "", "Figure Ice Skates", "",
     "White leather skates with steel blades for the rink.",
     79.00, "White", "leather and steel", "EU 30-43")
item(C, "ski goggles", "1F97D", "Alpenro", "", "Ski Goggles", "Anti-Fog, UV Protection",
     "Wide-view goggles for skiing and snowboarding.",
     39.00, "Silver", "polycarbonate", "adult")

# ---------------------------------------------------------------- Toys & Games
C = "Toys & Games"
item(C, "yo-yo", "1FA80", "Playhaus", "", "Wooden Yo-Yo", "",
     "Classic string toy for tricks.",
     4.00, "Purple", "wood", "6 cm")
item(C, "kite", "1FA81", "Playhaus", "", "Diamond Kite", "with 50 m Line",
     "Easy-flying kite for the beach and the park.",
     15.00, "Pink", "ripstop nylon", "80 cm")
item(C, "water pistol", "1F52B", "Playhaus", "", "Water Pistol", "",
     "Squirt gun for summer garden battles.",
     6.00, "Silver", "plastic", "22 cm")
item(C, "billiard balls", "1F3B1", "Playhaus", "", "Pool Ball Set", "16 Balls",
     "Full set of numbered pool balls with a cue ball.",
     49.00, "Black", "resin", "57 mm")
item(C, "magic wand", "1FA84", "Playhaus", "", "Magician's Wand", "",
     "Black and white wand for magic tricks and dressing up.",
     7.00, "Black", "wood", "35 cm")
line(C, "game controller", "1F3AE", "Nimbus", "Pad X", "Wireless Game Controller", "PC and Console",
     "plastic", "standard", "Stone Grey", {"#9b9b9a": "main"}, [
         ("Stone Grey", 49.00, "Rumble gamepad with a rechargeable battery."),
         ("Black", 49.00, "Rumble gamepad in black with a rechargeable battery."),
     ])
item(C, "arcade stick", "1F579", "Nimbus", "", "Arcade Joystick", "USB",
     "Retro ball-top stick for fighting and arcade games.",
     39.00, "Red", "plastic and metal", "USB")
item(C, "dice", "1F3B2", "Playhaus", "", "Board Game Dice", "Set of 6",
     "Classic six-sided dice for board games.",
     3.50, "Silver", "plastic", "16 mm")
item(C, "jigsaw puzzle", "1F9E9", "Playhaus", "", "Jigsaw Puzzle", "1000 Pieces",
     "Challenging puzzle for rainy afternoons.",
     18.00, "Sky Blue", "cardboard", "1000 pieces")
line(C, "teddy bear", "1F9F8", "Playhaus", "", "Plush Teddy Bear", "30 cm", "plush", "30 cm",
     "Chocolate", {"#6a462f": "main", "#a57939": "light"}, [
         ("Chocolate", 24.00, "Huggable soft bear with stitched eyes, safe from birth."),
         ("Sand", 24.00, "Huggable soft bear in honey beige, safe from birth."),
     ])
item(C, "pinata", "1FA85", "Playhaus", "", "Donkey Pinata", "",
     "Colourful party pinata to fill with sweets.",
     19.00, "Multicolour", "paper", "45 cm")
item(C, "nesting dolls", "1FA86", "Playhaus", "", "Russian Nesting Dolls", "Set of 5",
     "Hand-painted wooden matryoshka dolls.",
     29.00, "Red", "linden wood", "5 dolls")
item(C, "chess set", "265F", "Playhaus", "", "Wooden Chess Set", "Folding Board",
     "Weighted pieces and a folding board for learning chess.",
     35.00, "Black", "wood", "40 cm")
item(C, "playing cards", "1F0CF", "Playhaus", "", "Playing Cards", "2 Decks with Jokers",
     "Plastic-coated cards for poker, bridge and rummy.",
     6.00, "Multicolour", "card", "2 decks")
item(C, "balloons", "1F388", "Playhaus", "", "Party Balloons", "50-Pack",
     "Latex balloons for birthdays and parties.",
     5.00, "Red", "latex", "30 cm")
item(C, "abacus", "1F9EE", "Playhaus", "", "Wooden Counting Abacus", "100 Beads",
     "Learning toy for counting and sums.",
     14.00, "Multicolour", "wood", "30 cm")
item(C, "boomerang", "1FA83", "Playhaus", "", "Wooden Boomerang", "",
     "Returning boomerang for open fields.",
     12.00, "Brown", "plywood", "30 cm")
item(C, "party crown", "1F451", "Playhaus", "", "Gold Party Crown", "",
     "Dress-up crown for birthdays and princess parties.",
     5.00, "Gold", "card", "one size")

# ---------------------------------------------------------------- Arts & Crafts
C = "Arts & Crafts"
item(C, "paint palette", "1F3A8", "Atelier", "", "Watercolour Paint Set with Palette", "12 Colours",
     "Paint pans and a mixing palette for painting outdoors.",
     16.00, "Brown", "wood", "12 colours")
item(C, "paintbrush", "1F58C", "Atelier", "", "Round Paintbrush Set", "6 Brushes",
     "Synthetic brushes for watercolour and acrylic.",
     9.00, "Sky Blue", "synthetic bristle", "6 brushes")
item(C, "crayons", "1F58D", "Atelier", "", "Wax Crayons", "24 Colours",
     "Non-toxic crayons for little artists.",
     4.00, "Red", "wax", "24 crayons")
item(C, "thread", "1F9F5", "Atelier", "", "Sewing Thread Spools", "Set of 10",
     "Polyester thread for hand and machine sewing.",
     8.00, "Red", "polyester", "10 spools")
item(C, "sewing needles", "1FAA1", "Atelier", "", "Hand Sewing Needles", "30-Pack",
     "Assorted sizes with a threader, for mending and embroidery.",
     3.00, "Silver", "steel", "30 needles")
item(C, "yarn", "1F9F6", "Atelier", "", "Merino Knitting Yarn", "100 g Ball",
     "Soft wool for hats, scarves and blankets.",
     7.50, "Orange", "merino wool", "100 g")
item(C, "rope", "1FAA2", "Atelier", "", "Macrame Cord", "5 mm x 100 m",
     "Cotton cord for macrame, knots and plant hangers.",
     18.00, "Multicolour", "cotton", "100 m")

# ---------------------------------------------------------------- Pantry
C = "Pantry"
item(C, "honey", "1F36F", "Bienvenue", "", "Wildflower Honey", "500 g Jar",
     "Raw, unfiltered honey from local hives.",
     9.50, "Yellow", "honey", "500 g")
item(C, "chocolate", "1F36B", "Bienvenue", "", "Dark Chocolate Bar", "70% Cocoa, 100 g",
     "Single-origin cocoa with a snap.",
     3.20, "Brown", "chocolate", "100 g")
item(C, "cookies", "1F36A", "Bienvenue", "", "Chocolate Chip Cookies", "Box of 12",
     "Chewy bakery-style biscuits.",
     4.50, "Brown", "baked goods", "12 cookies")
item(C, "canned tomatoes", "1F96B", "Bienvenue", "", "Chopped Tomatoes", "400 g Can, 6-Pack",
     "Italian tomatoes for sauces and stews.",
     5.40, "Red", "food", "6 x 400 g")
item(C, "jam", "1FAD9-200D-1F7E5", "Bienvenue", "", "Strawberry Jam", "340 g Jar",
     "Fruit-rich preserve for toast and scones.",
     3.90, "Red", "food", "340 g")
item(C, "nut spread", "1FAD9-200D-1F7EB", "Bienvenue", "", "Hazelnut Cocoa Spread", "400 g Jar",
     "Smooth spread for toast, crepes and baking.",
     4.80, "Brown", "food", "400 g")
item(C, "pretzels", "1F968", "Bienvenue", "", "Soft Bavarian Pretzels", "4-Pack",
     "Bake-at-home pretzels with coarse salt.",
     3.60, "Brown", "baked goods", "4 pretzels")
item(C, "bread", "E0CA", "Bienvenue", "", "Sourdough Boule", "800 g",
     "Crusty round loaf with a tangy crumb.",
     4.20, "Brown", "baked goods", "800 g")


# --------------------------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------------------------
FILL = re.compile(r'fill="(#[0-9a-fA-F]{3,6})"')


def _long(h: str) -> str:
    h = h.lower()
    return "#" + "".join(c * 2 for c in h[1:]) if len(h) == 4 else h


def recolour_svg(svg: str, swap: dict[str, str], colour: str) -> str:
    """Swap the named palette fills in the drawing's colour layer (not its black outlines)."""
    target = COLOURS[colour][0]
    head, sep, line_layer = svg.partition('<g id="line"')
    n = 0

    def sub(m):
        nonlocal n
        h = _long(m.group(1))
        if h in swap:
            n += 1
            return f'fill="{target[ROLE[swap[h]]]}"'
        return m.group(0)

    head = FILL.sub(sub, head)
    if n == 0:
        raise ValueError(f"none of {sorted(swap)} found in the drawing")
    return head + sep + line_layer


def render(svg: str):
    import cairosvg
    from PIL import Image

    png = cairosvg.svg2png(bytestring=svg.encode(), output_width=IMAGE_SIZE, output_height=IMAGE_SIZE)
    im = Image.open(io.BytesIO(png)).convert("RGBA")
    flat = Image.new("RGB", im.size, (255, 255, 255))
    flat.paste(im, mask=im.getchannel("A"))
    return flat


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("openmoji_dir", help="extracted openmoji npm package (has color/svg/ and data/openmoji.json)")
    ap.add_argument("--out", default=str(HERE), help="output dir (default: this script's dir)")
    args = ap.parse_args(argv)

    import json

    src = Path(args.openmoji_dir)
    meta = {e["hexcode"]: e for e in json.loads((src / "data" / "openmoji.json").read_text())}
    out = Path(args.out)
    img_dir = out / "images"
    img_dir.mkdir(parents=True, exist_ok=True)
    for old in img_dir.glob("*.webp"):
        old.unlink()
    used: dict[str, list[str]] = {}
    for p in PRODUCTS:
        svg = (src / "color" / "svg" / f"{p.hexcode}.svg").read_text(encoding="utf-8")
        if p.recolor:
            svg = recolour_svg(svg, p.swap, p.recolor)
        render(svg).save(img_dir / f"{p.item_id}.webp", "WEBP", quality=WEBP_QUALITY, method=6)
        used.setdefault(p.hexcode, []).append(p.item_id)

    cols = ["item_id", "title", "image", "description", "category", "price", "color", "brand", "model",
            "material", "size"]
    with open(out / "catalog.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for p in PRODUCTS:
            w.writerow([p.item_id, p.title, p.image, p.description, p.category, f"{p.price:.2f}", p.color,
                        p.brand, p.model, p.material, p.size])
    write_license(out / "LICENSE-images.md", used, meta, {p.item_id for p in PRODUCTS if p.recolor})
    validate(out)
    print(f"wrote {len(PRODUCTS)} products from {len(used)} drawings")
    return 0


def write_license(path: Path, used: dict, meta: dict, recoloured: set) -> None:
    lines = [
        "# Product images: source, license and attribution",
        "",
        "All emojis designed by [OpenMoji](https://openmoji.org/) – the open-source emoji and icon",
        "project. License: [CC BY-SA 4.0](https://creativecommons.org/licenses/by-sa/4.0/).",
        "",
        "Every picture in `assets/openmoji/images/` is an adaptation of an OpenMoji colour SVG from the npm",
        "package `openmoji@17.0.0` (<https://github.com/hfg-gmuend/openmoji>), made by",
        "`assets/openmoji/build_catalog.py`: rendered to 256x256 with CairoSVG, flattened onto white and",
        "saved as WebP (quality 82). Items marked `*` were also **recoloured**: some palette fills of the",
        "drawing's colour layer were replaced before rendering (the black outlines are unchanged).",
        "These adapted images are licensed under **CC BY-SA 4.0** as well",
        "(<https://creativecommons.org/licenses/by-sa/4.0/legalcode>); the ShareAlike terms apply to the",
        "images only, not to the rest of this repository. The author of each drawing is listed below",
        "(from `openmoji.json`).",
        "",
        "The drawings are emoji artwork, not photographs of real products; product names, brands, model",
        "numbers, prices and descriptions in `catalog.csv` are fictitious.",
        "",
        f"## Drawings used ({len(used)} files)",
        "",
        "| OpenMoji file | emoji | author | catalog items |",
        "| --- | --- | --- | --- |",
    ]
    for code, ids in sorted(used.items()):
        e = meta[code]
        marks = " ".join(i + ("*" if i in recoloured else "") for i in ids)
        lines.append(f"| `color/svg/{code}.svg` | {e['annotation']} | {e['openmoji_author']} | {marks} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def validate(out: Path) -> None:
    from PIL import Image

    rows = list(csv.DictReader(open(out / "catalog.csv", encoding="utf-8")))
    ids = [r["item_id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate item_id"
    titles = [r["title"] for r in rows]
    assert len(titles) == len(set(titles)), "duplicate title"
    assert len(rows) >= 150, len(rows)
    cats = {r["category"] for r in rows}
    assert len(cats) >= 15, cats
    for r in rows:
        assert float(r["price"]) >= 0, r
        assert "<" not in r["title"] + r["description"], r
        with Image.open(out / r["image"]) as im:
            assert im.size == (IMAGE_SIZE, IMAGE_SIZE), (r["image"], im.size)
    total = sum(f.stat().st_size for f in (out / "images").glob("*.webp"))
    print(f"validated {len(rows)} rows, {len(cats)} categories, images {total / 1e6:.2f} MB")


if __name__ == "__main__":
    sys.exit(main())
