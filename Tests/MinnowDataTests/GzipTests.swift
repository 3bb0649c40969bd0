import XCTest
import MinnowData
