print("mislink")
