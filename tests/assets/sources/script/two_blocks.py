# /// script
# dependencies = ["a==1"]
# ///

# /// script
# dependencies = ["b==1"]
# ///
